// Docker's "init layer": one shared, read-only lower layer holding the mount
// points every container needs (/proc, /sys, /dev, and the /etc files bunker
// bind-mounts). Without it each start would create them in the container's
// writable layer, copying up /etc, which costs several ms on a busy disk.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DIRS = ["proc", "sys", "dev", "etc"];
const FILES = ["etc/hostname", "etc/hosts", "etc/resolv.conf"];
const VERSION = "1"; // bump when the contents change, so old roots get a new layer

/** Returns the init layer's directory, creating it (atomically) the first time. */
export function initLayer(imageDir: string): string {
  const dir = join(imageDir, `init-layer-v${VERSION}`);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  for (const d of DIRS) mkdirSync(join(tmp, d), { recursive: true, mode: 0o755 });
  for (const f of FILES) writeFileSync(join(tmp, f), "", { mode: 0o644 });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e; // otherwise a concurrent start made it first
  }
  return dir;
}
