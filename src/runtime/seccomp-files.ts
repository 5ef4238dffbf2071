// Where a container's compiled seccomp filter is cached, and filling that
// cache. Starting a container only looks files up; the compiler (and zod with
// it, ~5 ms for a cold process) is imported, as its own chunk, only on a miss,
// by the async prepare step that runs before the start takes its locks.
import { existsSync, linkSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import { trace } from "../lib/trace.ts";
import type { RuntimeSpec, SpecSeccomp } from "./spec.ts";

function capsOf(spec: RuntimeSpec): string[] {
  return [...(spec.process.capabilities?.bounding ?? [])].sort();
}

/** The cached BPF program for a spec's linux.seccomp (one per filter, capability set and kernel). */
export function seccompBpfPath(cacheDir: string, seccomp: SpecSeccomp, caps: string[]): string {
  const key = new Bun.CryptoHasher("sha256").update(JSON.stringify([release(), caps, seccomp])).digest("hex");
  return join(cacheDir, `seccomp-oci-${key}.bpf`);
}

/** The compiled program for the spec, "" without seccomp. Only reads the cache: see prepareSeccompBpf. */
export function seccompFileFor(spec: RuntimeSpec, cacheDir: string): string {
  if (!spec.linux.seccomp) return "";
  const file = seccompBpfPath(cacheDir, spec.linux.seccomp, capsOf(spec));
  if (!existsSync(file)) throw new BunkerError("internal: the seccomp filter was not prepared before the start");
  return file;
}

/** Compiles a resolved linux.seccomp for the bounding set CAPS into the cache, if it is not there yet. */
export async function prepareSeccompBpf(cacheDir: string, seccomp: SpecSeccomp, caps: string[]): Promise<void> {
  caps = [...caps].sort();
  const file = seccompBpfPath(cacheDir, seccomp, caps);
  if (existsSync(file)) return;
  const { seccompProgramFile } = await import("./seccomp/index.ts");
  // linux.seccomp is already resolved for this container (no includes/excludes left), which the compiler takes as a profile.
  const compiled = seccompProgramFile(cacheDir, seccomp as unknown as Parameters<typeof seccompProgramFile>[1], caps);
  try {
    linkSync(compiled, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  trace("seccomp filter compiled");
}
