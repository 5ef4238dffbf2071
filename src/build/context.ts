// The build context: a directory (or a tar read from stdin, unpacked into a
// scratch directory), the Dockerfile, and its .dockerignore. Files are reached
// through RootFs, so a symlink in the context never leads out of it.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { RootFs } from "../engine/rootfs/root-fs.ts";
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
    const input = await Bun.stdin.bytes();
    scratch = mkdtempSync(join(tmpdir(), "bunker-context-"));
    dir = scratch;
    if (isArchive(Buffer.from(input))) await unpackLayer([input] as unknown as AsyncIterable<Uint8Array>, dir);
    else stdinDockerfile = Buffer.from(input).toString(); // `build - < Dockerfile`: no context at all
  } else {
    dir = resolve(opts.context);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BunkerError(`unable to prepare context: path "${opts.context}" not found`, 1);
  }
  const release = () => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  try {
    let dockerfile: string;
    let name = "Dockerfile";
    let ignorePath = join(dir, ".dockerignore");
    if (stdinDockerfile !== undefined) dockerfile = stdinDockerfile;
    else if (opts.file === "-") dockerfile = await Bun.stdin.text();
    else {
      // As docker: -f is relative to the current directory; a Dockerfile in the tar context is looked up inside it.
      const path = opts.file === undefined ? join(dir, "Dockerfile") : scratch ? join(dir, opts.file) : resolve(opts.file);
      if (!existsSync(path)) throw new BunkerError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${path}: no such file or directory`, 1);
      dockerfile = readFileSync(path, "utf8");
      name = basename(path);
      const own = join(dirname(path), `${name}.dockerignore`);
      if (existsSync(own)) ignorePath = own;
    }
    const ignore = new IgnoreMatcher(existsSync(ignorePath) ? readFileSync(ignorePath, "utf8") : "");
    const root = RootFs.open(dir);
    return {
      root,
      ignore,
      dockerfile,
      dockerfileName: name,
      close: () => {
        root.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
