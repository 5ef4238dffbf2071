// Provided by scripts/build.ts at bundle time: the compiled native.c, if a C compiler was available.
declare module "bunker:prebuilt-native" {
  const prebuilt: { hash: string; base64: string } | null;
  export default prebuilt;
}
