// Reads a file out of a stack of unpacked layers without mounting them, as
// overlayfs would see it: the topmost layer that has the path wins, and a
// whiteout (a 0:0 character device) hides it. Each layer is a root of its own
// (RootFs): a layer whose /etc is a symlink to the host's /etc is read inside
// that layer, never on the host.
import { closeSync, fstatSync, readFileSync } from "node:fs";
import { fdPath, RootFs } from "./rootfs/root-fs.ts";

/** Returns the file's text, or null if no layer has it as a regular file. `dirs` are top layer first. */
export function readLayeredFile(dirs: string[], relPath: string): string | null {
  for (const dir of dirs) {
    const root = RootFs.open(dir);
    try {
      const fd = root.lookup(relPath, false);
      if (fd === null) continue;
      try {
        const st = fstatSync(fd);
        if (st.isCharacterDevice() && st.rdev === 0) return null; // whiteout
        if (!st.isFile()) return null; // a symlink or directory: not something we read from outside the rootfs
        return readFileSync(fdPath(fd), "utf8");
      } finally {
        closeSync(fd);
      }
    } finally {
      root.close();
    }
  }
  return null;
}
