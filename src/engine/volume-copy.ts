// Docker's copy-up: a new (empty) volume mounted over a directory the image
// has starts out with that directory's content, owners and modes.
//
// Why from the layer directories and not a mounted view: bunker never mounts
// on the host (the overlay exists only inside the container's namespace), and
// the content is needed before the first start. So this reads the image the
// way overlayfs would: the topmost layer that has a path wins, a whiteout
// (0:0 character device) hides it, and a directory marked opaque
// (trusted.overlay.opaque=y) hides the lower layers' content. Symlinks on the
// way to the target are resolved inside the image's root (as RESOLVE_IN_ROOT
// does at mount time), so an image cannot point the copy at host files.
// The writes go through directory fds (rootfs/tree-writer.ts), so a container
// that shares the volume cannot point them at host files either.
// Not kept: extended attributes.
import { closeSync, fchmodSync, fchownSync, futimesSync, lstatSync, readdirSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import { lgetxattr } from "../../ffi/fsx.ts";
import { BunkerError } from "../lib/errors.ts";
import { RootFs } from "./rootfs/root-fs.ts";
import { deviceNumbers } from "./rootfs/tree-reader.ts";
import { type TreeEntryIn, TreeWriter } from "./rootfs/tree-writer.ts";

const MAX_SYMLINKS = 40; // the kernel's limit for one lookup

interface Found {
  /** Host path of the topmost copy. */
  path: string;
  st: Stats;
  /** For a directory: the layer copies that make up its merged content, top first. */
  dirs: string[];
}

const isWhiteout = (st: Stats) => st.isCharacterDevice() && st.rdev === 0;

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Looks NAME up in a merged directory (its layer copies, top first); null if absent or whited out. */
function lookup(dirs: string[], name: string): Found | null {
  for (let i = 0; i < dirs.length; i++) {
    const path = join(dirs[i], name);
    const st = lstatOrNull(path);
    if (!st) continue;
    if (isWhiteout(st)) return null;
    if (!st.isDirectory()) return { path, st, dirs: [] };
    // Lower copies count until one layer's copy is opaque or is not a directory (which hides everything below).
    const merged = [path];
    for (const lower of dirs.slice(i + 1)) {
      if (lgetxattr(merged[merged.length - 1], "trusted.overlay.opaque")?.toString() === "y") break;
      const p = join(lower, name);
      const s = lstatOrNull(p);
      if (!s) continue;
      if (!s.isDirectory()) break;
      merged.push(p);
    }
    return { path, st, dirs: merged };
  }
  return null;
}

/** The directory at absolute PATH in the image (layers top first), following symlinks inside its root; null if there is none. */
export function findImageDir(layers: string[], path: string): Found | null {
  const root: Found = { path: layers[0] ?? "/", st: lstatSync(layers[0] ?? "/"), dirs: layers };
  const stack: Found[] = [root];
  const todo = path.split("/").filter(Boolean);
  let hops = 0;
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === ".") continue;
    if (name === "..") {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const found = lookup(stack[stack.length - 1].dirs, name);
    if (!found) return null;
    if (found.st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) return null;
      const target = readlinkSync(found.path);
      if (target.startsWith("/")) stack.length = 1; // absolute: from the image's root, never the host's
      todo.unshift(...target.split("/").filter(Boolean));
      continue;
    }
    if (!found.st.isDirectory()) return null;
    stack.push(found);
  }
  return stack.length > 1 ? stack[stack.length - 1] : null; // "/" itself is no volume target worth copying
}

type Entry = Omit<TreeEntryIn, "content">;

/** A merged directory's content as entries below PREFIX, depth first; a regular file comes with the layer file its bytes are in. */
function* entriesOf(src: Found, prefix: string, links: Map<string, string>): Generator<{ entry: Entry; from?: string }> {
  const names = new Set<string>();
  for (const d of src.dirs) for (const n of readdirSync(d)) names.add(n);
  for (const name of [...names].sort()) {
    const found = lookup(src.dirs, name);
    if (!found) continue;
    const { st } = found;
    const path = `${prefix}${name}`;
    const header = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      yield { entry: { name: path, header: { ...header, type: "directory" } } };
      yield* entriesOf(found, `${path}/`, links);
    } else if (st.isSymbolicLink()) {
      yield { entry: { name: path, header: { ...header, type: "symlink", linkname: readlinkSync(found.path) } } };
    } else if (st.isFile()) {
      // Hard links within a layer stay links, as docker's copy keeps them.
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(key) : undefined;
      if (first !== undefined) {
        yield { entry: { name: path, header: { ...header, type: "link", linkname: first } } };
        continue;
      }
      if (st.nlink > 1) links.set(key, path);
      yield { entry: { name: path, header: { ...header, type: "file" } }, from: found.path };
    } else if (st.isCharacterDevice()) yield { entry: { name: path, header: { ...header, ...deviceNumbers(st), type: "character-device" } } };
    else if (st.isBlockDevice()) yield { entry: { name: path, header: { ...header, ...deviceNumbers(st), type: "block-device" } } };
    else if (st.isFIFO()) yield { entry: { name: path, header: { ...header, type: "fifo" } } };
    // Sockets are left out, as docker leaves them out.
  }
}

/**
 * Copies a merged directory's content into DEST (an existing directory), then
 * DEST takes the source's owner, mode and times. Every write goes through
 * TreeWriter (fds, RESOLVE_IN_ROOT): DEST may be a volume that a running
 * container shares and changes meanwhile (a directory swapped for a symlink to
 * a host path), and nothing may land, or get its owner or setuid bit, outside it.
 */
function copyMerged(src: Found, dest: string, onEntry?: (written: number) => void): void {
  const root = RootFs.open(dest);
  try {
    const writer = new TreeWriter(root, "", "keep");
    let written = 0;
    for (const { entry, from } of entriesOf(src, "", new Map())) {
      writer.writeSync(entry, from);
      onEntry?.(++written);
    }
    writer.finish();
    const top = root.openDir("");
    if (top === null) throw new BunkerError(`${dest} is no directory`);
    try {
      fchownSync(top, src.st.uid, src.st.gid);
      fchmodSync(top, src.st.mode & 0o7777); // after chown, which clears setuid bits
      futimesSync(top, src.st.atime, src.st.mtime);
    } finally {
      closeSync(top);
    }
  } finally {
    root.close();
  }
}

/** A directory of an image, as findImageDir finds it. */
export type ImageDir = Found;

/** Copies an image's directory (from findImageDir) into the empty volume directory DEST; ONENTRY sees the count of entries written so far. */
export function copyImageDir(src: ImageDir, dest: string, onEntry?: (written: number) => void): void {
  copyMerged(src, dest, onEntry);
}

/** Copies the whole image (LAYERS top first) into the empty directory DEST: the vfs driver's container root. */
export function copyImageTree(layers: string[], dest: string): void {
  copyMerged({ path: layers[0], st: lstatSync(layers[0]), dirs: layers }, dest);
}
