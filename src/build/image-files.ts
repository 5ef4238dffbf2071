// Looking up a path in a build state's layers without mounting them: the top
// layer that has it (or a whiteout for it) decides. Each layer is searched
// through RootFs, so a symlink in a layer never leads out of it.
import fs from "node:fs";
import { posix } from "node:path";
import { cleanPath, fdPath, RootFs } from "../engine/rootfs/root-fs.ts";
import type { ImageStore } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";

const O_DIRECTORY = 0o200000;
const MAX_LINKS = 40; // the kernel's limit for one path walk

export function statInImage(store: ImageStore, layers: string[], path: string): fs.Stats | null {
  for (const chain of [...layers].reverse()) {
    const root = RootFs.open(store.layerDiff(chain));
    try {
      const st = root.stat(path, false);
      if (st) return st.isCharacterDevice() && st.rdev === 0 ? null : st; // a whiteout: deleted above the layers below
    } finally {
      root.close();
    }
  }
  return null;
}

/** A symlink's target, if `path` (its directories already resolved) is one in the merged view; null otherwise. */
function linkInImage(store: ImageStore, layers: string[], path: string): string | null {
  for (const chain of [...layers].reverse()) {
    const root = RootFs.open(store.layerDiff(chain));
    try {
      const st = root.stat(path, false);
      if (!st) continue;
      if (!st.isSymbolicLink()) return null;
      const dir = root.lookup(posix.dirname(path), true, O_DIRECTORY);
      if (dir === null) return null;
      try {
        return fs.readlinkSync(fdPath(dir, posix.basename(path))); // the link itself is read, never followed
      } finally {
        fs.closeSync(dir);
      }
    } finally {
      root.close();
    }
  }
  return null;
}

/**
 * An absolute path with every symlink on it followed inside the image, as
 * docker's COPY resolves its destination (FollowSymlinkInScope): a link to a
 * directory is copied into, a link to a file is written through, and no link
 * leads out of the root.
 */
export function resolveInImage(store: ImageStore, layers: string[], path: string): string {
  let rest = cleanPath(path).split("/").filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (rest.length > 0) {
    const part = rest.shift() as string;
    if (part === "." || part === "") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const target = linkInImage(store, layers, [...done, part].join("/"));
    if (target === null) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new BunkerError(`too many levels of symbolic links in ${path}`, 1);
    if (target.startsWith("/")) done.length = 0;
    rest = [...target.split("/"), ...rest];
  }
  return `/${done.join("/")}`;
}
