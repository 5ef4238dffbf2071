// Compiled filters cached on disk, as crun does: a container start with a profile
// and capability set seen before costs one stat instead of a compile.
import { mkdirSync, statSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic.ts";
import { compileProfile } from "./compile.ts";
import type { SeccompProfile } from "./profile.ts";

// Bump when the compiler's output for the same input changes, so old files are not reused.
const FORMAT = 1;

/** Path of the compiled filter for this profile and capability set, written once (atomically). */
export function seccompProgramFile(cacheDir: string, profile: SeccompProfile, capabilities: string[]): string {
  const kernel = release();
  // The kernel release is part of the key because minKernel rules depend on it.
  const key = JSON.stringify([FORMAT, kernel, [...new Set(capabilities)].sort(), profile]);
  const path = join(cacheDir, `seccomp-${new Bun.CryptoHasher("sha256").update(key).digest("hex")}.bpf`);
  if (isProgram(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  // Durable: a file cut short by a crash could still be a valid, different filter.
  writeFileAtomic(path, compileProfile(profile, capabilities, { kernel }), { mode: 0o644 });
  return path;
}

function isProgram(path: string): boolean {
  try {
    const { size } = statSync(path);
    return size > 0 && size % 8 === 0;
  } catch {
    return false;
  }
}
