// A directory tree reached through one directory fd: a container's root, or a
// host directory a copy writes into. Paths are resolved by the kernel with
// openat2(RESOLVE_IN_ROOT), so a symlink or ".." inside the tree (even an
// absolute one such as /etc/passwd -> /etc/passwd) never leaves it, even while a
// running container changes the tree under us. Past that first lookup every
// call names `/proc/self/fd/<dir fd>/<name>`: the directory is the one we hold
// and the last component is never followed.
import fs from "node:fs";
import { posix } from "node:path";
import { openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from "../../../ffi/fsx.ts";

const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY } = fs.constants;
export const O_PATH = 0o10000000;

/** The path of an open fd, or of `name` in the directory it is, for node:fs calls. */
export function fdPath(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** Whether an fs error means "nothing there" (a missing name, or a file where a directory was expected). */
export function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** A path inside a tree, made relative and clean ("" is the tree's root); ".." cannot climb above the root. */
export function cleanPath(path: string): string {
  return posix.normalize(`/${path}`).slice(1).replace(/\/$/, "");
}

export class RootFs {
  private constructor(readonly fd: number) {}

  /** The tree at `dir` (a host path, resolved as the host resolves it). */
  static open(dir: string): RootFs {
    return new RootFs(fs.openSync(dir, O_PATH | O_DIRECTORY));
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  /**
   * An O_PATH fd for `path` inside the tree, or null when it does not exist.
   * `follow`: a final symlink is followed (inside the tree); otherwise the fd is the symlink itself.
   */
  lookup(path: string, follow: boolean, flags = 0): number | null {
    try {
      return openat2(this.fd, cleanPath(path) || ".", O_PATH | flags | (follow ? 0 : O_NOFOLLOW), RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /** A directory inside the tree, opened for reading (listing, fchmod, futimes), or null when missing or no directory. */
  openDir(path: string): number | null {
    const fd = this.lookup(path, true, O_DIRECTORY);
    if (fd === null) return null;
    try {
      return fs.openSync(fdPath(fd), O_RDONLY | O_DIRECTORY);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** lstat (or stat, with `follow`) of a path inside the tree; null when it does not exist. */
  stat(path: string, follow: boolean): fs.Stats | null {
    const fd = this.lookup(path, follow);
    if (fd === null) return null;
    try {
      return fs.fstatSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}
