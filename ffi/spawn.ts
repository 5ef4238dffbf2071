// Compiles spawn.c with bun:ffi's TinyCC and exposes bunker_spawn.
//
// cc cannot read sources inside the compiled executable (/$bunfs), so the
// source is embedded as text and written once to a cache file named by its hash.
import { cc } from "bun:ffi";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import source from "./spawn.c" with { type: "text" };
import { errno } from "./libc.ts";

type SpawnLib = { bunker_spawn: (flags: number, program: Uint8Array, len: number, errbuf: Uint8Array, errlen: number) => number };

let compiled: SpawnLib | null = null;

function load(cacheDir: string): SpawnLib {
  if (compiled) return compiled;
  const hash = new Bun.CryptoHasher("sha256").update(source).digest("hex").slice(0, 16);
  const file = join(cacheDir, `spawn-${hash}.c`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source);
    renameSync(tmp, file);
  }
  const lib = cc({
    source: file,
    symbols: { bunker_spawn: { args: ["i64", "ptr", "i64", "ptr", "i32"], returns: "i32" } },
  });
  compiled = lib.symbols as unknown as SpawnLib;
  return compiled;
}

export class SpawnError extends Error {
  constructor(
    readonly errno: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Clones a child in new namespaces (clone flags) that runs `program`, a list
 * of operations understood by spawn.c, ending in an exec. Returns the pid once
 * the child has exec'd; throws SpawnError if any operation failed.
 */
export function spawnProgram(cacheDir: string, cloneFlags: number, program: string[]): number {
  const lib = load(cacheDir);
  const blob = Buffer.from(program.map((w) => `${w}\0`).join(""));
  const errbuf = new Uint8Array(1024);
  const pid = lib.bunker_spawn(cloneFlags, blob, blob.length, errbuf, errbuf.length);
  if (pid > 0) return pid;
  const text = Buffer.from(errbuf.subarray(0, errbuf.indexOf(0))).toString();
  if (!text) throw new SpawnError(errno(), "clone failed");
  const tab = text.indexOf("\t");
  throw new SpawnError(Number(text.slice(0, tab)), text.slice(tab + 1));
}

