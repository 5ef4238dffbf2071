// Builds the single executable: dist/bunker.
// ffi/native.c is compiled here with the system C compiler when there is one
// and embedded in the executable; otherwise bunker compiles it at run time
// with bun:ffi's TinyCC, which works but adds ~8 ms to every container start.
import { $, type BunPlugin } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const commit = (await $`git rev-parse --short HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
const dirty = (await $`git status --porcelain`.nothrow().quiet()).stdout.toString().trim() ? "-dirty" : "";

async function compileNative(): Promise<{ hash: string; base64: string } | null> {
  const compiler = ["cc", "gcc", "clang", "tcc"].find((c) => Bun.which(c));
  if (!compiler) {
    console.warn("note: no C compiler found; dist/bunker will compile its native code at run time (slower starts)");
    return null;
  }
  const source = readFileSync("ffi/native.c");
  const dir = mkdtempSync(join(tmpdir(), "bunker-native-"));
  try {
    const out = join(dir, "native.so");
    // The source declares its own prototypes (TinyCC has no headers), which gcc flags as builtin clashes.
    const r = await $`${compiler} -O2 -shared -fPIC -w -o ${out} ffi/native.c`.nothrow().quiet();
    if (r.exitCode !== 0) throw new Error(`compiling ffi/native.c with ${compiler} failed:\n${r.stderr}`);
    const hash = new Bun.CryptoHasher("sha256").update(source).update(compiler).digest("hex").slice(0, 16);
    return { hash, base64: readFileSync(out).toString("base64") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const prebuilt = await compileNative();
const embedNative: BunPlugin = {
  name: "prebuilt-native",
  setup(build) {
    build.onResolve({ filter: /^bunker:prebuilt-native(-id)?$/ }, (args) => ({ path: args.path, namespace: "bunker" }));
    build.onLoad({ filter: /^bunker:prebuilt-native-id$/, namespace: "bunker" }, () => ({
      contents: `export default ${JSON.stringify(prebuilt ? { hash: prebuilt.hash } : null)};`,
      loader: "js",
    }));
    build.onLoad({ filter: /^bunker:prebuilt-native$/, namespace: "bunker" }, () => ({ contents: `export default ${JSON.stringify(prebuilt?.base64 ?? "")};`, loader: "js" }));
  },
};

const result = await Bun.build({
  entrypoints: ["src/main.ts"],
  // OUTFILE builds elsewhere (e.g. to try a change without replacing dist/bunker under running tests).
  // The executable must not pick up bunfig.toml, .env or tsconfig.json from the user's working directory.
  compile: { outfile: process.env.OUTFILE ?? "dist/bunker", autoloadBunfig: false, autoloadDotenv: false, autoloadTsconfig: false, autoloadPackageJson: false },
  bytecode: true,
  minify: true,
  target: "bun",
  format: "esm",
  // Each dynamic import() becomes a chunk loaded only when used: start-up cost grows with the code loaded, not with the whole program.
  splitting: true,
  plugins: [embedNative],
  define: { __BUNKER_COMMIT__: JSON.stringify(commit + dirty), __BUNKER_BUILT__: JSON.stringify(new Date().toISOString()) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${process.env.OUTFILE ?? "dist/bunker"} (${commit}${dirty}${prebuilt ? "" : ", native code compiled at run time"})`);
