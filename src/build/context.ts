// The build context: a directory (or a tar read from stdin, unpacked into a
// scratch directory), the Dockerfile, and its .dockerignore. Files are reached
// through RootFs, so a symlink in the context never leads out of it: not for
// COPY, and not for the Dockerfile, whose text a parse error would show.
import fs, { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fdPath, RootFs } from "../engine/rootfs/root-fs.ts";
import { unpackLayer } from "../image/unpack.ts";
import { BunkerError } from "../lib/errors.ts";
import { IgnoreMatcher } from "./dockerignore.ts";

export interface BuildContext {
  root: RootFs;
  ignore: IgnoreMatcher;
  dockerfile: string;
  /** The Dockerfile's name for messages ("Dockerfile:7: …"). */
  dockerfileName: string;
  close(): void;
}

export interface ContextOptions {
  /** A directory, or "-" for a tar (or a lone Dockerfile) on stdin. */
  context: string;
  /** -f: a path, or "-" for the Dockerfile on stdin. */
  file?: string;
  /** The bytes of context "-" (the API's request body); stdin's by default. */
  input?: () => Promise<Uint8Array>;
}

const TAR_MAGIC_OFFSET = 257;

function isArchive(data: Buffer): boolean {
  return (data[0] === 0x1f && data[1] === 0x8b) || data.subarray(TAR_MAGIC_OFFSET, TAR_MAGIC_OFFSET + 5).toString() === "ustar";
}

export async function openContext(opts: ContextOptions): Promise<BuildContext> {
  let dir: string;
  let scratch: string | undefined;
  let stdinDockerfile: string | undefined;
  if (opts.context === "-") {
    if (opts.file === "-") throw new BunkerError("invalid argument: can't use stdin for both build context and dockerfile", 1);
    const input = await (opts.input ?? (() => Bun.stdin.bytes()))();
    scratch = mkdtempSync(join(tmpdir(), "bunker-context-"));
    dir = scratch;
    if (isArchive(Buffer.from(input))) await unpackLayer([input] as unknown as AsyncIterable<Uint8Array>, dir);
    else stdinDockerfile = Buffer.from(input).toString(); // `build - < Dockerfile`: no context at all
  } else {
    dir = resolve(opts.context);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BunkerError(`unable to prepare context: path "${opts.context}" not found`, 1);
  }
  const root = RootFs.open(dir);
  const release = () => {
    root.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    let dockerfile: string;
    let name = "Dockerfile";
    let ignore: string | null;
    if (stdinDockerfile !== undefined || opts.file === "-") {
      dockerfile = stdinDockerfile ?? (await Bun.stdin.text());
      ignore = readInContext(root, ".dockerignore");
    } else {
      // As docker: -f is relative to the current directory; a Dockerfile in the tar context is looked up inside it.
      const path = opts.file === undefined ? join(dir, "Dockerfile") : scratch ? join(dir, opts.file) : resolve(opts.file);
      const inside = opts.file === undefined ? "Dockerfile" : scratch ? opts.file : insideContext(dir, path);
      name = basename(path);
      // The context is not ours to trust: a Dockerfile in it is read inside it, so a symlink to a host file reads nothing outside.
      // A -f outside the context is a file the caller named, read as given.
      const text = inside === null ? readHostFile(path) : readInContext(root, inside);
      if (text === null) throw new BunkerError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path}: no such file or directory`, 1);
      dockerfile = text;
      const own = `${name}.dockerignore`;
      ignore = (inside === null ? readHostFile(join(dirname(path), own)) : readInContext(root, join(dirname(inside), own))) ?? readInContext(root, ".dockerignore");
    }
    return {
      root,
      ignore: new IgnoreMatcher(ignore ?? ""),
      dockerfile,
      dockerfileName: name,
      close: release,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** A path's place inside the context directory (as the host names both), or null when it lies outside. */
function insideContext(dir: string, path: string): string | null {
  const rel = relative(dir, path);
  return rel === "" || rel === ".." || rel.startsWith("../") ? null : rel;
}

/** A regular file of the context, resolved inside it (symlinks included: RESOLVE_IN_ROOT); null when missing. */
function readInContext(root: RootFs, path: string): string | null {
  const fd = root.lookup(path, true);
  if (fd === null) return null;
  try {
    return readRegular(fdPath(fd), fs.fstatSync(fd), path);
  } finally {
    fs.closeSync(fd);
  }
}

function readHostFile(path: string): string | null {
  const st = fs.statSync(path, { throwIfNoEntry: false });
  return st ? readRegular(path, st, path) : null;
}

/** A file's text; anything else (a directory, a FIFO that would block) is refused. */
function readRegular(path: string, st: fs.Stats, shown: string): string {
  if (!st.isFile()) throw new BunkerError(`unable to prepare context: ${shown} is not a regular file`, 1);
  return fs.readFileSync(path, "utf8");
}
