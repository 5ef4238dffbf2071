// Writes tar entries (from a tar on stdin, or straight from tree-reader.ts)
// under a directory of a tree (root-fs.ts). Each entry's directory is looked
// up with RESOLVE_IN_ROOT and the entry is made in it without following its
// last component, so neither the archive's own symlinks nor a container
// racing us can send a write outside the tree.
import fs from "node:fs";
import { posix } from "node:path";
import { makedev, mknod, S_IFBLK, S_IFCHR, S_IFIFO } from "../../../ffi/fsx.ts";
import type { EntryHeader } from "../../image/tar-writer.ts";
import { normalizeName } from "../../image/layerfs.ts";
import { BunkerError } from "../../lib/errors.ts";
import { fdPath, isMissing, O_PATH, type RootFs } from "./root-fs.ts";

const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = fs.constants;

export interface TreeEntryIn {
  name: string;
  header: EntryHeader;
  /** A regular file's bytes. */
  content?: AsyncIterable<Uint8Array>;
}

/** Whose files they become: the archive's owners (`cp -a`), one owner (into a container: its root), or the caller's. */
export type Ownership = "keep" | { uid: number; gid: number } | "caller";

/** An entry's place in the tree, worked out once. */
interface Target {
  h: EntryHeader;
  /** Below the tree's root, for messages and directory times. */
  path: string;
  /** Its directory's fd and its name there; `at` names it through that fd. */
  dir: number;
  name: string;
  at: string;
  mode: number;
  owner?: { uid: number; gid: number };
}

const isFile = (e: Omit<TreeEntryIn, "content">) => e.header.type === undefined || e.header.type === "file" || e.header.type === "contiguous-file";
const S_IFMT = 0o170000;

export class TreeWriter {
  /** The directory fd of the last entry's parent: entries come grouped by directory. */
  private parent: { path: string; fd: number } | undefined;
  private readonly dirTimes = new Map<string, Date>();
  /** Bytes of file content written, for cp's "Successfully copied" line. */
  bytes = 0;

  /** Entries land under `base`, a directory path inside `root` that must exist. */
  constructor(
    private readonly root: RootFs,
    private readonly base: string,
    private readonly owner: Ownership,
  ) {}

  private ownerOf(h: EntryHeader): { uid: number; gid: number } | undefined {
    if (this.owner === "caller") return undefined;
    if (this.owner === "keep") return { uid: h.uid ?? 0, gid: h.gid ?? 0 };
    return this.owner;
  }

  /** The fd of directory `dir` (inside the tree), made (0755, as tar does) with its parents if missing. */
  private dirFd(dir: string): number {
    if (this.parent?.path === dir) return this.parent.fd;
    let fd = this.root.lookup(dir, true, O_DIRECTORY);
    if (fd === null) {
      try {
        fs.mkdirSync(fdPath(this.dirFd(posix.dirname(dir)), posix.basename(dir)), 0o755);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      fd = this.root.lookup(dir, true, O_DIRECTORY);
      if (fd === null) throw new BunkerError(`cannot create directory ${dir}: a file is in the way`, 1);
    }
    if (this.parent) fs.closeSync(this.parent.fd);
    this.parent = { path: dir, fd };
    return fd;
  }

  /** Clears the way for a non-directory: whatever is at the name goes, unless it is a directory. */
  private clear(dir: number, name: string, path: string): void {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(fdPath(dir, name));
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    if (st.isDirectory()) throw new BunkerError(`cannot overwrite directory "/${path}" with non-directory`, 1);
    fs.unlinkSync(fdPath(dir, name));
  }

  async write(entry: TreeEntryIn): Promise<void> {
    const at = this.place(entry);
    if (!at) return;
    if (!isFile(entry)) return this.make(at);
    const fd = this.createFile(at);
    try {
      for await (const chunk of entry.content ?? []) {
        for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
        this.bytes += chunk.length;
      }
      this.fileMetadata(fd, at);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** write() for a caller that cannot await (a container being created): a regular file's bytes come from the host file `from`. */
  writeSync(entry: Omit<TreeEntryIn, "content">, from?: string): void {
    const at = this.place(entry);
    if (!at) return;
    if (!isFile(entry)) return this.make(at);
    const fd = this.createFile(at);
    try {
      if (from !== undefined) {
        fs.copyFileSync(from, fdPath(fd)); // the magic link names the file just made, whatever happens at its name
        this.bytes += fs.fstatSync(fd).size;
      }
      this.fileMetadata(fd, at);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Where an entry goes: its directory's fd (made if missing) and its name there; null for the destination itself. */
  private place(entry: Omit<TreeEntryIn, "content">): Target | null {
    const rel = normalizeName(entry.name);
    if (rel === "") return null; // the destination itself ("./"): it exists and keeps its own metadata
    const path = this.base ? `${this.base}/${rel}` : rel;
    const dir = this.dirFd(posix.dirname(path) === "." ? "" : posix.dirname(path));
    const name = posix.basename(path);
    const h = entry.header;
    return { h, path, dir, name, at: fdPath(dir, name), mode: (h.mode ?? 0o644) & 0o7777, owner: this.ownerOf(h) };
  }

  /** A new regular file at the target, never through a link: O_EXCL after clearing the name. */
  private createFile(t: Target): number {
    this.clear(t.dir, t.name, t.path);
    return fs.openSync(t.at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  }

  private fileMetadata(fd: number, t: Target): void {
    if (t.owner) fs.fchownSync(fd, t.owner.uid, t.owner.gid);
    fs.fchmodSync(fd, t.mode); // after chown, which clears setuid bits
    if (t.h.mtime) fs.futimesSync(fd, t.h.mtime, t.h.mtime);
  }

  /** Every entry but a regular file. */
  private make(t: Target): void {
    const { h, path, dir, name, at, mode, owner } = t;
    switch (h.type) {
      case "directory": {
        try {
          fs.mkdirSync(at, mode);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
          if (!fs.lstatSync(at).isDirectory()) throw new BunkerError(`cannot overwrite non-directory "/${path}" with directory`, 1);
        }
        const fd = fs.openSync(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        try {
          if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
          fs.fchmodSync(fd, mode);
        } finally {
          fs.closeSync(fd);
        }
        if (h.mtime) this.dirTimes.set(path, h.mtime);
        return;
      }
      case "symlink":
        this.clear(dir, name, path);
        fs.symlinkSync(h.linkname ?? "", at);
        if (owner) fs.lchownSync(at, owner.uid, owner.gid); // the link itself, never what it names
        break;
      case "link": {
        const target = normalizeName(h.linkname ?? "");
        const targetPath = this.base ? `${this.base}/${target}` : target;
        const targetDir = this.root.lookup(posix.dirname(targetPath), true, O_DIRECTORY);
        if (targetDir === null) throw new BunkerError(`cannot link "/${path}" to "/${targetPath}": the target is missing`, 1);
        try {
          this.clear(dir, name, path);
          fs.linkSync(fdPath(targetDir, posix.basename(targetPath)), at); // link(2) never follows a symlink
        } finally {
          fs.closeSync(targetDir);
        }
        return;
      }
      case "character-device":
      case "block-device":
      case "fifo": {
        this.clear(dir, name, path);
        const kind = h.type === "fifo" ? S_IFIFO : h.type === "block-device" ? S_IFBLK : S_IFCHR;
        const dev = makedev(h.devmajor ?? 0, h.devminor ?? 0);
        mknod(at, kind | mode, dev);
        this.nodeMetadata(t, kind, dev);
        break;
      }
      default:
        return; // pax headers and the like carry nothing to write
    }
    if (h.mtime) {
      try {
        fs.lutimesSync(at, h.mtime, h.mtime); // the node just made, never what a symlink names
      } catch {
        // best effort, as tar does
      }
    }
  }

  /**
   * Owner and exact mode (mknod's was cut by the umask) of the node just made,
   * through an O_PATH fd of it: fchmod needs an open file, and opening a device could act on it.
   */
  private nodeMetadata(t: Target, kind: number, dev: bigint): void {
    const fd = fs.openSync(t.at, O_PATH | O_NOFOLLOW);
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      if ((Number(st.mode) & S_IFMT) !== kind || (kind !== S_IFIFO && st.rdev !== dev)) throw new BunkerError(`"/${t.path}" changed while it was being written; try again`, 1);
      if (t.owner) fs.chownSync(fdPath(fd), t.owner.uid, t.owner.gid); // the magic link names the node we hold
      fs.chmodSync(fdPath(fd), t.mode);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Sets directory times last (their entries changed them) and lets go of the fds. */
  finish(): void {
    if (this.parent) fs.closeSync(this.parent.fd);
    this.parent = undefined;
    for (const [path, time] of this.dirTimes) {
      const fd = this.root.openDir(path);
      if (fd === null) continue;
      try {
        fs.futimesSync(fd, time, time);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}
