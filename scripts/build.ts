// Builds the single executable: dist/bunker.
import { $ } from "bun";

const commit = (await $`git rev-parse --short HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
const dirty = (await $`git status --porcelain`.nothrow().quiet()).stdout.toString().trim() ? "-dirty" : "";

const result = await Bun.build({
  entrypoints: ["src/main.ts"],
  compile: { outfile: "dist/bunker" },
  bytecode: true,
  minify: true,
  target: "bun",
  format: "esm",
  define: { __BUNKER_COMMIT__: JSON.stringify(commit + dirty), __BUNKER_BUILT__: JSON.stringify(new Date().toISOString()) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built dist/bunker (${commit}${dirty})`);
