// Provided by scripts/build.ts at bundle time when a C compiler was available:
// the compiled native.c (base64), and separately its hash, so that starting
// up never loads the library's bytes unless the cache lacks them.
declare module "bunker:prebuilt-native" {
  const base64: string;
  export default base64;
}
declare module "bunker:prebuilt-native-id" {
  const id: { hash: string } | null;
  export default id;
}
