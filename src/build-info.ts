// Filled in by scripts/build.ts through --define; "dev" when run from source.
import pkg from "../package.json" with { type: "json" };

declare const __BUNKER_COMMIT__: string;
declare const __BUNKER_BUILT__: string;

export const BUILD_INFO = {
  version: pkg.version,
  commit: typeof __BUNKER_COMMIT__ === "string" ? __BUNKER_COMMIT__ : "dev",
  built: typeof __BUNKER_BUILT__ === "string" ? __BUNKER_BUILT__ : "dev",
};
