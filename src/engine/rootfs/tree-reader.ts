// A file tree as tar entries, read through directory fds (root-fs.ts): the
// source of `cp` (both ways), `export` and `commit`. Entries are made one at a
// time as the tar is written, so a large tree is never held in memory.
import fs from "node:fs";
import { lgetxattr } from "../../../ffi/fsx.ts";
import type { EntryHeader, TarEntry } from "../../image/tar-writer.ts";
import { BunkerError } from "../../lib/errors.ts";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "../../image/whiteout.ts";
import { fdPath } from "./root-fs.ts";

const { O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY } = fs.constants;
const CHUNK = 256 * 1024;

export interface ReadOptions {
  /** The writable layer of an overlay (commit): its whiteouts become OCI `.wh.` entries. */
  overlayWhiteouts?: boolean;
  /** Directories copied without their contents: in a running container's root, the kernel's /proc, /sys and /dev, or (export) every mount. */
  skipContents?: (dir: fs.Stats) => boolean;
  /** Entries left out (a build context's .dockerignore), by their path below the top and whether they are directories. */
  skip?: (relative: string, isDir: boolean) => boolean;
}

/** A device node's numbers as tar carries them, from its st_rdev. */
export function deviceNumbers(st: fs.Stats): { devmajor: number; devminor: number } {
  return { devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) };
}

/** An item of the tree: the directory that holds it and its name there, or (the tree's top) an fd of its own. */
export type Place = { dir: number; name: string } | { fd: number };

const placePath = (p: Place) => ("fd" in p ? fdPath(p.fd) : fdPath(p.dir, p.name));
// An fd of its own is reached through its magic link, which O_NOFOLLOW would refuse; a name is never followed.
const noFollow = (p: Place) => ("fd" in p ? 0 : O_NOFOLLOW);
const statOf = (p: Place) => ("fd" in p ? fs.fstatSync(p.fd) : fs.lstatSync(placePath(p)));

function headerOf(st: fs.Stats): EntryHeader {
  return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
}

/** A regular file, opened now (no FIFO can block us: O_NONBLOCK), read when the tar asks for it. */
function fileEntry(name: string, place: Place, header: EntryHeader): TarEntry {
  const fd = fs.openSync(placePath(place), O_RDONLY | O_NONBLOCK | noFollow(place));
  const st = fs.fstatSync(fd);
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new BunkerError(`${name} changed while it was being read; try again`);
  }
  async function* read(): AsyncIterable<Uint8Array> {
    try {
      for (let left = st.size; left > 0; ) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break; // shrank meanwhile: the tar writer reports the short entry
        left -= n;
        yield buf.subarray(0, n);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return { name, size: st.size, open: read, header: { ...header, type: "file" } };
}

const empty = (name: string, header: EntryHeader): TarEntry => ({ name, data: "", header });

/**
 * Yields the tree under `top` as tar entries: `name` is the top's name in the
 * archive ("." for a directory's contents; "" for a whole tree, as layers and
 * `export` name entries: no entry for the top, children without a prefix), children follow it, sorted.
 * Hard links within the tree stay links. Symlinks are never followed.
 */
export async function* treeEntries(top: Place, name: string, opts: ReadOptions = {}): AsyncGenerator<TarEntry> {
  const links = new Map<string, string>();
  const base = name === "" ? "" : `${name}/`;
  const skip = opts.skip;
  yield* entriesOf(top, name, links, skip ? { ...opts, skip: (n, isDir) => skip(n.slice(base.length), isDir) } : opts);
}

async function* entriesOf(place: Place, name: string, links: Map<string, string>, opts: ReadOptions): AsyncGenerator<TarEntry> {
  const st = statOf(place);
  if ("dir" in place && opts.skip?.(name, st.isDirectory())) return;
  const header = headerOf(st);
  if (st.isDirectory()) {
    if (name !== "") yield empty(`${name}/`, { ...header, type: "directory" });
    if (opts.skipContents?.(st)) return;
    const prefix = name === "" ? "" : `${name}/`;
    // By its name in its directory: the magic link /proc/self/fd/N is no directory to lgetxattr (the top of a tree is never opaque).
    const opaque = opts.overlayWhiteouts && "dir" in place && lgetxattr(placePath(place), "trusted.overlay.opaque")?.toString() === "y";
    const fd = fs.openSync(placePath(place), O_RDONLY | O_DIRECTORY | noFollow(place));
    try {
      if (opaque) {
        yield empty(`${prefix}${OPAQUE_MARKER}`, { ...header, mode: 0o644, type: "file" });
      }
      for (const child of fs.readdirSync(fdPath(fd)).sort()) yield* entriesOf({ dir: fd, name: child }, `${prefix}${child}`, links, opts);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  if (st.isSymbolicLink()) {
    if ("fd" in place) throw new Error(`${name} is a symlink opened as the top of a tree`); // callers pass a symlink by its directory
    yield empty(name, { ...header, type: "symlink", linkname: fs.readlinkSync(placePath(place)) });
    return;
  }
  if (st.isCharacterDevice() && st.rdev === 0 && opts.overlayWhiteouts) {
    // overlayfs's deletion mark becomes the OCI whiteout of the same name.
    const slash = name.lastIndexOf("/");
    yield empty(`${name.slice(0, slash + 1)}${WHITEOUT_PREFIX}${name.slice(slash + 1)}`, { ...header, mode: 0o644, uid: 0, gid: 0, type: "file" });
    return;
  }
  if (st.isFile()) {
    const key = `${st.dev}:${st.ino}`;
    const first = st.nlink > 1 ? links.get(key) : undefined;
    if (first !== undefined) {
      yield empty(name, { ...header, type: "link", linkname: first });
      return;
    }
    if (st.nlink > 1) links.set(key, name);
    yield fileEntry(name, place, header);
    return;
  }
  const dev = deviceNumbers(st);
  if (st.isCharacterDevice()) yield empty(name, { ...header, ...dev, type: "character-device" });
  else if (st.isBlockDevice()) yield empty(name, { ...header, ...dev, type: "block-device" });
  else if (st.isFIFO()) yield empty(name, { ...header, type: "fifo" });
  // Sockets have no tar form: skipped, as docker does.
}
