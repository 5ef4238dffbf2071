// `cp`: files between a container and the host, with docker's rules for
// files, directories, a trailing "/." (a directory's contents) and "-" (a tar
// on stdin or stdout). Both sides are trees read and written through
// directory fds (rootfs/): the container's paths resolve inside its root, so
// none of its symlinks ever reaches a host file.
import fs from "node:fs";
import { basename, dirname, posix, resolve } from "node:path";
import tar from "tar-stream";
import type { TarEntry, TarOutput } from "../image/tar-writer.ts";
import { stdoutOutput, writeTar } from "../image/tar-writer.ts";
import { drainedOrClosed } from "../lib/drained.ts";
import { BunkerError, NotFoundError, UsageError } from "../lib/errors.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { withContainerRoot } from "./rootfs/container-root.ts";
import { cleanPath, RootFs } from "./rootfs/root-fs.ts";
import { type Place, treeEntries } from "./rootfs/tree-reader.ts";
import { type Ownership, TreeWriter } from "./rootfs/tree-writer.ts";
import { hostId } from "./userns.ts";

const O_PATH = 0o10000000;

export interface CopyOptions {
  /** -a: keep the source's owners (else: the caller's on the host, root's in the container). */
  archive: boolean;
  /** -L: a symlink named as the source is followed (inside the container, for a container's). */
  followLink: boolean;
}

/** "dir/." copies the directory's contents, not the directory. */
const wantsContents = (path: string) => path === "." || path.endsWith("/.");
/** A trailing "/" (or "/.") says the path must be a directory. */
const wantsDirectory = (path: string) => path.endsWith("/") || wantsContents(path);

const notFound = (path: string, ref: string) => new NotFoundError(`Could not find the file ${path} in container ${ref}`, 1);

/** Where the copy lands: a directory of the destination tree, and the top entry's name in it. */
interface Target {
  dir: string;
  top: string;
}

/**
 * docker's destination rules (the same both ways). `stat` looks at the
 * destination, following symlinks; `source` is what is copied.
 */
function targetFor(dest: string, destClean: string, stat: (p: string) => fs.Stats | null, source: { name: string; isDir: boolean; contents: boolean }, missing: (p: string) => BunkerError): Target {
  const st = stat(destClean);
  if (st?.isDirectory()) return { dir: destClean, top: source.contents ? "." : source.name };
  if (st) {
    if (source.isDir) throw new BunkerError(`cannot overwrite non-directory "${dest}" with directory`, 1);
    return { dir: posix.dirname(destClean), top: posix.basename(destClean) };
  }
  if (wantsDirectory(dest) && !source.isDir) throw missing(dest);
  const parent = posix.dirname(destClean);
  if (!stat(parent)?.isDirectory()) throw missing(parent);
  return { dir: parent, top: posix.basename(destClean) };
}

/** Writes a tree's entries (tree-reader.ts) through a writer; returns the bytes of file content written. */
export async function copyEntries(entries: AsyncIterable<TarEntry>, writer: TreeWriter): Promise<number> {
  for await (const e of entries) await writer.write({ name: e.name, header: e.header ?? {}, content: "open" in e ? e.open() : undefined });
  writer.finish();
  return writer.bytes;
}

/** Who root is in the container, as the host numbers it: with --uidmap, the mapped root owns what cp puts in. */
function containerRoot(hc: ContainerRecord["HostConfig"]): { uid: number; gid: number } {
  return { uid: hostId(hc.UidMap ?? [], 0) ?? 0, gid: hostId(hc.GidMap ?? [], 0) ?? 0 };
}

/** A running container's /proc, /sys and /dev are the kernel's, not its files: like docker, cp copies them as empty directories. */
function kernelFilesystems(root: RootFs): (dir: fs.Stats) => boolean {
  const rootDev = root.stat("", false)?.dev;
  const devs = new Set(["proc", "sys", "dev"].map((p) => root.stat(p, false)?.dev).filter((d) => d !== rootDev));
  return (dir) => devs.has(dir.dev);
}

/** A file system's refusal mid-copy (EROFS, ENOSPC, EACCES, a damaged tar) is the user's to fix: one line, exit 1. */
async function oneLine<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof BunkerError || !(e instanceof Error)) throw e;
    throw new BunkerError(`copy failed: ${e.message.split("\n")[0].replace(/\/proc\/self\/fd\/\d+\/?/g, "")}`, 1);
  }
}

/** `cp CONTAINER:SRC DEST|-`; returns the bytes copied. DEST "-" is a tar written to OUTPUT (stdout, or GET /containers/{id}/archive's answer). */
export async function copyFromContainer(engine: Engine, ref: string, src: string, dest: string, opts: CopyOptions, output: () => TarOutput = stdoutOutput): Promise<number> {
  const id = engine.containers.resolve(ref);
  return copied(engine, id, "archive-path", () => copyOut(engine, id, ref, src, dest, opts, output));
}

/** What HEAD /containers/{id}/archive tells of a path (docker's container.PathStat; mode in Go's FileMode bits). */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

// Go's os.FileMode type bits, which the docker CLI reads from the stat.
const GO_MODE = { dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, pipe: 2 ** 25, socket: 2 ** 24, setuid: 2 ** 23, setgid: 2 ** 22, charDevice: 2 ** 21, sticky: 2 ** 20 };

function goFileMode(st: fs.Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode += GO_MODE.dir;
  else if (st.isSymbolicLink()) mode += GO_MODE.symlink;
  else if (st.isBlockDevice()) mode += GO_MODE.device;
  else if (st.isCharacterDevice()) mode += GO_MODE.device + GO_MODE.charDevice;
  else if (st.isFIFO()) mode += GO_MODE.pipe;
  else if (st.isSocket()) mode += GO_MODE.socket;
  if (st.mode & 0o4000) mode += GO_MODE.setuid;
  if (st.mode & 0o2000) mode += GO_MODE.setgid;
  if (st.mode & 0o1000) mode += GO_MODE.sticky;
  return mode;
}

/** The stat of PATH in the container, not following a last symlink (whose target is told), as dockerd's ContainerStatPath. */
export async function statContainerPath(engine: Engine, ref: string, path: string): Promise<PathStat> {
  const id = engine.containers.resolve(ref);
  return withContainerRoot(engine, id, "read", async (root) => {
    const clean = cleanPath(path);
    const st = root.stat(clean, false);
    if (!st || (wantsDirectory(path) && !root.stat(clean, true)?.isDirectory())) throw notFound(path, ref);
    let linkTarget = "";
    if (st.isSymbolicLink()) {
      const dir = root.lookup(posix.dirname(clean), true, fs.constants.O_DIRECTORY);
      if (dir !== null) {
        try {
          linkTarget = fs.readlinkSync(`/proc/self/fd/${dir}/${posix.basename(clean)}`);
        } finally {
          fs.closeSync(dir);
        }
      }
    }
    return { name: posix.basename(`/${clean}`) || "/", size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget };
  });
}

/** docker's event of a finished copy: archive-path (out of the container), extract-to-dir (into it). */
async function copied(engine: Engine, id: string, action: string, copy: () => Promise<number>): Promise<number> {
  const bytes = await copy();
  containerEvent(engine, engine.containers.load(id), action);
  return bytes;
}

function copyOut(engine: Engine, id: string, ref: string, src: string, dest: string, opts: CopyOptions, output: () => TarOutput): Promise<number> {
  return oneLine(withContainerRoot(engine, id, "read", async (root) => {
    const clean = cleanPath(src);
    const st = root.stat(clean, opts.followLink);
    if (!st || (wantsDirectory(src) && !st.isDirectory())) throw notFound(src, ref);
    const follow = opts.followLink || clean === "";
    const fd = follow ? root.lookup(clean, true) : root.lookup(posix.dirname(clean), true, fs.constants.O_DIRECTORY);
    if (fd === null) throw notFound(src, ref); // removed meanwhile
    try {
      const place: Place = follow ? { fd } : { dir: fd, name: posix.basename(clean) };
      const contents = st.isDirectory() && (wantsContents(src) || clean === "");
      const read = { skipContents: kernelFilesystems(root) };
      if (dest === "-") {
        await writeTar(treeEntries(place, contents ? "." : posix.basename(clean), read), output());
        return 0;
      }
      const host = resolve(dest);
      const stat = (p: string) => fs.statSync(p, { throwIfNoEntry: false }) ?? null;
      const target = targetFor(dest, host, stat, { name: posix.basename(clean), isDir: st.isDirectory(), contents }, (p) => new BunkerError(`no such directory: ${p}`, 1));
      const out = RootFs.open(target.dir);
      try {
        return await copyEntries(treeEntries(place, target.top, read), new TreeWriter(out, "", opts.archive ? "keep" : "caller"));
      } finally {
        out.close();
      }
    } finally {
      fs.closeSync(fd);
    }
  }));
}

/** `cp SRC|- CONTAINER:DEST`; returns the bytes copied. SRC "-" is a tar read from INPUT (stdin, or PUT /containers/{id}/archive's body). */
export async function copyToContainer(engine: Engine, src: string, ref: string, dest: string, opts: CopyOptions, input?: AsyncIterable<Uint8Array>): Promise<number> {
  const id = engine.containers.resolve(ref);
  return copied(engine, id, "extract-to-dir", () => copyIn(engine, id, src, ref, dest, opts, input));
}

async function copyIn(engine: Engine, id: string, src: string, ref: string, dest: string, opts: CopyOptions, input?: AsyncIterable<Uint8Array>): Promise<number> {
  const owner: Ownership = opts.archive ? "keep" : containerRoot(engine.containers.load(id).HostConfig);
  if (src === "-") {
    return oneLine(
      withContainerRoot(engine, id, "write", async (root) => {
        const clean = cleanPath(dest);
        const st = root.stat(clean, true);
        if (!st) throw notFound(dest, ref);
        if (!st.isDirectory()) throw new UsageError(`destination "${ref}:${dest}" must be a directory`, "", 1);
        return extractTar(input ?? (Bun.stdin.stream() as unknown as AsyncIterable<Uint8Array>), new TreeWriter(root, clean, owner));
      }),
    );
  }
  const path = resolve(src);
  let st: fs.Stats;
  try {
    st = opts.followLink ? fs.statSync(path) : fs.lstatSync(path);
  } catch {
    throw new BunkerError(`lstat ${src}: no such file or directory`, 1);
  }
  if (wantsDirectory(src) && !st.isDirectory()) throw new BunkerError(`lstat ${src}: not a directory`, 1);
  const fd = opts.followLink ? fs.openSync(path, O_PATH) : fs.openSync(dirname(path), O_PATH | fs.constants.O_DIRECTORY);
  try {
    const place: Place = opts.followLink ? { fd } : { dir: fd, name: basename(path) };
    const source = { name: basename(path), isDir: st.isDirectory(), contents: st.isDirectory() && wantsContents(src) };
    return await oneLine(
      withContainerRoot(engine, id, "write", async (root) => {
        const target = targetFor(dest, cleanPath(dest), (p) => root.stat(p, true), source, (p) => notFound(p.startsWith("/") ? p : `/${p}`, ref));
        return copyEntries(treeEntries(place, target.top), new TreeWriter(root, target.dir, owner));
      }),
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** A tar stream's entries, written one by one (each file streamed through, never held whole). */
async function extractTar(input: AsyncIterable<Uint8Array>, writer: TreeWriter): Promise<number> {
  const extract = tar.extract();
  const feeding = (async () => {
    for await (const chunk of input) if (!extract.write(chunk)) await drainedOrClosed(extract);
    extract.end(null);
  })().catch((e) => extract.destroy(e));
  for await (const entry of extract) await writer.write({ name: entry.header.name, header: entry.header, content: entry as AsyncIterable<Uint8Array> });
  await feeding;
  writer.finish();
  return writer.bytes;
}
