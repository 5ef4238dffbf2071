// Docker's "init layer": one shared, read-only lower layer holding the mount
// points every container needs (/proc, /sys, /dev, and the /etc files bunker
// bind-mounts). Without it each start would create them in the container's
// writable layer, copying up /etc, which costs several ms on a busy disk.
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic.ts";
import { makeDir, OPEN_DIR_MODE, OPEN_FILE_MODE } from "../lib/modes.ts";

const DIRS = ["proc", "sys", "dev", "etc"];
const FILES = ["etc/hostname", "etc/hosts", "etc/resolv.conf"];
const VERSION = "1"; // bump when the contents change, so old roots get a new layer

/** Returns the init layer's directory, creating it (atomically) the first time. */
export function initLayer(imageDir: string): string {
  const dir = join(imageDir, `init-layer-v${VERSION}`);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  // Exact modes, whatever the umask: the layer's /etc is the merged /etc's, which every user must enter.
  for (const d of ["", ...DIRS]) makeDir(join(tmp, d), OPEN_DIR_MODE);
  for (const f of FILES) writeFileAtomic(join(tmp, f), "", { mode: OPEN_FILE_MODE, durable: false });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e; // otherwise a concurrent start made it first
  }
  return dir;
}
