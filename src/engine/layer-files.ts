// Reads a file out of a stack of unpacked layers without mounting them, as
// overlayfs would see it: the topmost layer that has the path wins, and a
// whiteout (a 0:0 character device) hides it.
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Returns the file's text, or null if no layer has it as a regular file. `dirs` are top layer first. */
export function readLayeredFile(dirs: string[], relPath: string): string | null {
  for (const dir of dirs) {
    const p = join(dir, relPath);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isCharacterDevice() && st.rdev === 0) return null; // whiteout
    if (!st.isFile()) return null; // a symlink or directory: not something we read from outside the rootfs
    return readFileSync(p, "utf8");
  }
  return null;
}
