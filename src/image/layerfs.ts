// Applies tar entries to a layer directory without ever following a symlink and
// without writing outside it (cf. CVE-2018-15664, CVE-2019-14271, CVE-2021-30465,
// CVE-2024-21626 and friends). Every path is checked component by component; a
// cache of directories we made or verified keeps that to one lstat per directory.
import fs from "node:fs";
import { lsetxattr, makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from "../../ffi/fsx.ts";
import { LayerError } from "./layer-error.ts";
import { parseWhiteout } from "./whiteout.ts";

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
// O_EXCL: never reuse an existing inode (it may be a hardlink or a symlink);
// O_NOFOLLOW is the belt to its braces.
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | 0o2000000; /* O_CLOEXEC */

/** Metadata shared by all entry kinds (a subset of tar-stream's Headers). */
export interface EntryMeta {
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
}

/**
 * Turns an archive name into a relative path ("a/b"), "" for the layer root.
 * Names with a ".." component are refused even when they would stay inside.
 */
export function normalizeName(name: string, entry = name): string {
  // A NUL would silently cut the path short in the libc calls (mknod, setxattr).
  if (name.includes("\0")) throw new LayerError(`layer entry ${JSON.stringify(entry)} contains a NUL byte`);
  const parts: string[] = [];
  for (const p of name.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") throw new LayerError(`layer entry ${JSON.stringify(entry)} escapes the layer directory`);
    parts.push(p);
  }
  return parts.join("/");
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

export class LayerWriter {
  /** Relative paths known to be real directories. Invariant: when a path is
   * removed, it and everything below it leave the set. */
  private dirs = new Set<string>([""]);
  /** Directory mtimes are set last, as adding children would change them. */
  private dirTimes = new Map<string, Date>();
  private readonly root: string;
  private readonly chown = process.getuid?.() === 0;

  constructor(dest: string) {
    this.root = dest.endsWith("/") ? dest : dest + "/";
  }

  private abs(rel: string): string {
    return this.root + rel;
  }

  /** Makes sure `rel` is a real directory, creating it (and its parents) 0755 if missing. */
  private ensureDir(rel: string, entry: string): void {
    if (this.dirs.has(rel)) return;
    const slash = rel.lastIndexOf("/");
    this.ensureDir(slash < 0 ? "" : rel.slice(0, slash), entry);
    const st = fs.lstatSync(this.abs(rel), { throwIfNoEntry: false });
    if (!st) fs.mkdirSync(this.abs(rel), 0o755);
    else if (st.isSymbolicLink()) throw new LayerError(`layer entry ${JSON.stringify(entry)} passes through a symlink`);
    else if (!st.isDirectory()) throw new LayerError(`layer entry ${JSON.stringify(entry)} passes through a non-directory`);
    this.dirs.add(rel);
  }

  private parentOf(rel: string, entry: string): void {
    const slash = rel.lastIndexOf("/");
    this.ensureDir(slash < 0 ? "" : rel.slice(0, slash), entry);
  }

  /** Removes whatever is at `rel` (its parent is verified), without following symlinks. */
  private remove(rel: string): void {
    const p = this.abs(rel);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isDirectory()) return fs.unlinkSync(p);
    fs.rmSync(p, { recursive: true, force: true }); // rm never descends through symlinks
    const below = rel + "/";
    for (const d of this.dirs) if (d === rel || d.startsWith(below)) this.dirs.delete(d);
    this.dirTimes.delete(rel);
    for (const d of this.dirTimes.keys()) if (d.startsWith(below)) this.dirTimes.delete(d);
  }

  /** Runs `create`; if the path is taken, replaces what is there and tries once more. */
  private replace<T>(rel: string, create: () => T): T {
    try {
      return create();
    } catch (e) {
      if (errCode(e) !== "EEXIST") throw e;
    }
    this.remove(rel);
    return create();
  }

  private setOwner(p: string, m: EntryMeta): void {
    if (this.chown) fs.lchownSync(p, m.uid, m.gid);
  }

  /** Opens a new regular file for writing; the caller writes, then calls closeFile. */
  openFile(rel: string, entry: string): number {
    this.parentOf(rel, entry);
    const p = this.abs(rel);
    return this.replace(rel, () => fs.openSync(p, CREATE_FLAGS, 0o600));
  }

  /** Sets metadata through the fd (no path lookup) and closes it. */
  closeFile(fd: number, m: EntryMeta): void {
    try {
      if (this.chown) fs.fchownSync(fd, m.uid, m.gid);
      fs.fchmodSync(fd, m.mode & 0o7777); // after chown, which clears setuid/setgid
      if (m.mtime) {
        try {
          fs.futimesSync(fd, m.mtime, m.mtime);
        } catch {
          // best effort, as for every other entry kind: a time out of range is no reason to fail
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  dir(rel: string, m: EntryMeta, entry: string): void {
    if (rel === "") return; // the layer root belongs to the caller
    this.parentOf(rel, entry);
    const p = this.abs(rel);
    if (!this.dirs.has(rel)) {
      try {
        fs.mkdirSync(p, 0o700);
      } catch (e) {
        if (errCode(e) !== "EEXIST") throw e;
        const st = fs.lstatSync(p);
        if (!st.isDirectory()) this.replace(rel, () => fs.mkdirSync(p, 0o700));
      }
      this.dirs.add(rel);
    }
    this.setOwner(p, m);
    fs.chmodSync(p, m.mode & 0o7777); // p is a verified real directory, so chmod cannot follow a link
    if (m.mtime) this.dirTimes.set(rel, m.mtime);
  }

  symlink(rel: string, target: string, m: EntryMeta, entry: string): void {
    this.parentOf(rel, entry);
    const p = this.abs(rel);
    this.replace(rel, () => fs.symlinkSync(target, p));
    this.setOwner(p, m);
    this.setTimes(p, m);
  }

  /** A hard link to an earlier regular file of this layer. */
  hardlink(rel: string, linkname: string, entry: string): void {
    const bad = (why: string) => new LayerError(`layer entry ${JSON.stringify(entry)} links to ${JSON.stringify(linkname)}, ${why}`);
    if (linkname.split("/").includes("..")) throw bad("outside the layer directory");
    const target = normalizeName(linkname);
    if (target === "") throw bad("which is not a file in the layer");
    const slash = target.lastIndexOf("/");
    const tdir = slash < 0 ? "" : target.slice(0, slash);
    if (!this.dirs.has(tdir)) {
      // Check the target's directories without creating any: a missing one means no target.
      let cur = "";
      for (const part of tdir.split("/")) {
        cur = cur ? `${cur}/${part}` : part;
        if (this.dirs.has(cur)) continue;
        const st = fs.lstatSync(this.abs(cur), { throwIfNoEntry: false });
        if (st?.isSymbolicLink()) throw bad("which passes through a symlink");
        if (!st?.isDirectory()) throw bad("which is not a file in the layer");
        this.dirs.add(cur);
      }
    }
    const st = fs.lstatSync(this.abs(target), { throwIfNoEntry: false });
    if (!st?.isFile()) throw bad("which is not a file in the layer");
    if (target === rel) return; // a link to itself: already in place
    this.parentOf(rel, entry);
    const p = this.abs(rel);
    this.replace(rel, () => fs.linkSync(this.abs(target), p)); // link(2) does not follow symlinks
  }

  /** Character or block device, or fifo. Devices we may not create are skipped. */
  special(rel: string, type: "character-device" | "block-device" | "fifo", m: EntryMeta & { devmajor: number; devminor: number }, entry: string): void {
    this.parentOf(rel, entry);
    const p = this.abs(rel);
    const ifmt = type === "fifo" ? S_IFIFO : type === "block-device" ? S_IFBLK : S_IFCHR;
    try {
      this.replace(rel, () => mknod(p, ifmt | 0o600, makedev(m.devmajor, m.devminor)));
    } catch (e) {
      if (errCode(e) === "EPERM" && type !== "fifo") return; // unprivileged: as docker does
      throw e;
    }
    this.setOwner(p, m);
    fs.chmodSync(p, m.mode & 0o7777); // a device or fifo we just made; chmod does not open it
    this.setTimes(p, m);
  }

  /** Handles `.wh.*` entries; returns false when `rel` is no whiteout. */
  whiteout(rel: string, entry: string): boolean {
    const slash = rel.lastIndexOf("/");
    const wh = parseWhiteout(rel.slice(slash + 1));
    if (!wh) return false;
    if (wh.kind === "meta") return true;
    if (wh.kind === "invalid") throw new LayerError(`layer entry ${JSON.stringify(entry)} is an invalid whiteout`);
    const dir = slash < 0 ? "" : rel.slice(0, slash);
    this.ensureDir(dir, entry);
    if (wh.kind === "opaque") {
      lsetxattr(this.abs(dir), "trusted.overlay.opaque", "y");
      return true;
    }
    // overlayfs represents a deleted path as a 0:0 character device.
    const target = dir ? `${dir}/${wh.name}` : wh.name;
    const p = this.abs(target);
    this.replace(target, () => mknod(p, S_IFCHR, 0n));
    return true;
  }

  private setTimes(p: string, m: EntryMeta): void {
    if (!m.mtime) return;
    try {
      fs.lutimesSync(p, m.mtime, m.mtime);
    } catch {
      // best effort: some file systems refuse times on symlinks
    }
  }

  /** Sets the deferred directory times; only on directories still known to be real. */
  finish(): void {
    for (const [rel, t] of this.dirTimes) {
      if (this.dirs.has(rel)) this.setTimes(this.abs(rel), { mode: 0, uid: 0, gid: 0, mtime: t });
    }
  }
}
