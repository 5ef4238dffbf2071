// Provided by scripts/build.ts at bundle time: the compiled native.c library
// and the monitor executable (base64), and separately their hashes, so that
// starting up never loads the bytes unless the cache lacks them.
declare module "bunker:prebuilt-native" {
  const base64: string;
  export default base64;
}
declare module "bunker:prebuilt-native-id" {
  const id: { hash: string } | null;
  export default id;
}
declare module "bunker:prebuilt-monitor" {
  const base64: string;
  export default base64;
}
declare module "bunker:prebuilt-monitor-id" {
  const id: { hash: string } | null;
  export default id;
}
