// Builds the single executable: dist/bunker.
// The system C compiler builds the two native parts, both embedded in the executable:
//   - ffi/native.c as a shared library (loaded with dlopen; without a compiler
//     bunker would compile it at run time with bun:ffi's TinyCC, ~8 ms per start);
//   - ffi/monitor.c as a static executable: the per-container monitor (and --init),
//     which has no fallback, so a compiler is required.
import { $, type BunPlugin } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const commit = (await $`git rev-parse --short HEAD`.nothrow().quiet()).stdout.toString().trim() || "unknown";
const dirty = (await $`git status --porcelain`.nothrow().quiet()).stdout.toString().trim() ? "-dirty" : "";

interface Compiled {
  hash: string;
  base64: string;
}

const compiler = ["cc", "gcc", "clang"].find((c) => Bun.which(c));
if (!compiler) {
  console.error("error: building bunker needs a C compiler for its container monitor (apt-get install gcc libc6-dev)");
  process.exit(1);
}

/** Compiles with `flags` (each try in turn: static linking needs libc.a); the result is named by its sources' hash. */
async function compile(sources: string[], main: string, tries: string[][]): Promise<Compiled> {
  const hasher = new Bun.CryptoHasher("sha256").update(compiler as string);
  for (const s of sources) hasher.update(readFileSync(s));
  const dir = mkdtempSync(join(tmpdir(), "bunker-native-"));
  try {
    const out = join(dir, "out");
    let stderr = "";
    for (const flags of tries) {
      // The sources declare their own prototypes (TinyCC has no headers), which gcc flags as builtin clashes.
      const r = await $`${compiler} -O2 -w ${flags} -o ${out} ${main}`.nothrow().quiet();
      if (r.exitCode === 0) return { hash: hasher.update(flags.join(" ")).digest("hex").slice(0, 16), base64: readFileSync(out).toString("base64") };
      stderr = r.stderr.toString();
    }
    throw new Error(`compiling ${main} with ${compiler} failed:\n${stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const native = await compile(["ffi/native.c"], "ffi/native.c", [["-shared", "-fPIC"]]);
// Static, so the same file also runs inside any image as --init; dynamic only where libc.a is missing.
const monitor = await compile(["ffi/native.c", "ffi/init.c", "ffi/dns.c", "ffi/monitor.c"], "ffi/monitor.c", [["-static", "-Os"], ["-Os"]]);

/** Each embedded binary is two virtual modules: its hash (tiny, loaded at start-up) and its bytes (loaded only to fill the cache). */
function embed(name: string, compiled: Compiled): BunPlugin {
  const id = new RegExp(`^bunker:prebuilt-${name}-id$`);
  const bytes = new RegExp(`^bunker:prebuilt-${name}$`);
  return {
    name: `prebuilt-${name}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^bunker:prebuilt-${name}(-id)?$`) }, (args) => ({ path: args.path, namespace: "bunker" }));
      build.onLoad({ filter: id, namespace: "bunker" }, () => ({ contents: `export default ${JSON.stringify({ hash: compiled.hash })};`, loader: "js" }));
      build.onLoad({ filter: bytes, namespace: "bunker" }, () => ({ contents: `export default ${JSON.stringify(compiled.base64)};`, loader: "js" }));
    },
  };
}

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
  plugins: [embed("native", native), embed("monitor", monitor)],
  define: { __BUNKER_COMMIT__: JSON.stringify(commit + dirty), __BUNKER_BUILT__: JSON.stringify(new Date().toISOString()) },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${process.env.OUTFILE ?? "dist/bunker"} (${commit}${dirty})`);
