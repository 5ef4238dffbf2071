// Writes a tar archive with tar-stream, entry by entry, to a file or to
// stdout. A file is written under a temp name and renamed into place only when
// complete (as docker's save -o), so a failed save never leaves half an archive.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import tar, { type Header } from "tar-stream";
import { drainedOrClosed } from "../lib/drained.ts";
import { BunkerError } from "../lib/errors.ts";
import { writeAll, writeOutput } from "../lib/write-all.ts";

/** An entry's own type, owner, mode and time (file trees: export, cp, commit); archives of images use fixed ones. */
export type EntryHeader = Partial<Omit<Header, "name" | "size">>;

/** Small metadata, held in memory. */
export interface DataEntry {
  name: string;
  data: Uint8Array | string;
  header?: EntryHeader;
}

/** A large file streamed from disk; tar needs its size before its bytes. */
export interface StreamEntry {
  name: string;
  /** A promise lets the size be worked out while earlier entries are written. */
  size: number | Promise<number>;
  open(): AsyncIterable<Uint8Array>;
  header?: EntryHeader;
}

export type TarEntry = DataEntry | StreamEntry;

export interface TarOutput {
  write(chunk: Uint8Array): void;
  /** Called after the last byte: the archive becomes visible. */
  commit(): void;
  /** Called on failure: nothing is left behind. */
  abort(): void;
}

export function stdoutOutput(): TarOutput {
  return { write: (chunk) => writeOutput(1, chunk), commit: () => {}, abort: () => {} };
}

/** Why PATH cannot be written to (checked before any work, as docker's save does), or undefined. */
export function outputPathProblem(path: string): string | undefined {
  const dir = dirname(path);
  if (!existsSync(dir)) return `invalid output path: directory "${dir}" does not exist`;
  if (existsSync(path) && statSync(path).isDirectory()) return `invalid output path: "${path}" is a directory`;
  return undefined;
}

/** PATH is replaced atomically: a temp file in the same directory, fsynced, then renamed over it. */
export function fileOutput(path: string): TarOutput {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  let fd = openSync(tmp, "w", 0o644);
  const close = () => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
  };
  return {
    write: (chunk) => writeAll(fd, chunk),
    commit: () => {
      fsyncSync(fd);
      close();
      renameSync(tmp, path);
    },
    abort: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}

type Sink = ReturnType<tar.Pack["entry"]>;

// Fixed owner, mode and time: the same images always make the same archive.
const HEADER = { mode: 0o644, uid: 0, gid: 0, mtime: new Date(0) };

async function addEntry(pack: tar.Pack, entry: TarEntry): Promise<void> {
  if ("data" in entry) {
    await new Promise<void>((resolve, reject) => pack.entry({ ...HEADER, ...entry.header, name: entry.name }, Buffer.from(entry.data), (e) => (e ? reject(e) : resolve())));
    return;
  }
  const size = await entry.size;
  let sink!: Sink;
  const finished = new Promise<void>((resolve, reject) => {
    sink = pack.entry({ ...HEADER, ...entry.header, name: entry.name, size }, (e) => (e ? reject(e) : resolve()));
  });
  finished.catch(() => {}); // awaited below; the write loop may fail first
  sink.on("error", () => {}); // a failed pack destroys the sink too; `finished` reports it
  let written = 0;
  for await (const chunk of entry.open()) {
    written += chunk.length;
    if (written > size || sink.destroyed) break;
    if (!sink.write(chunk)) await drainedOrClosed(sink);
  }
  if (sink.destroyed) return finished;
  // A stream that is not the size announced would corrupt every entry after it.
  if (written !== size) throw new BunkerError(`cannot write ${entry.name}: its source is not the ${size} bytes announced (it is damaged, or changed while saving)`);
  sink.end(null);
  return finished;
}

/** Writes the entries in order to `out` (each is taken only when the previous one is written); on any failure the output is aborted and the first error rethrown. */
export async function writeTar(entries: Iterable<TarEntry> | AsyncIterable<TarEntry>, out: TarOutput): Promise<void> {
  const pack = tar.pack();
  let failure: unknown;
  // Entries are produced while the consumer below writes what is packed: the archive is never held in memory.
  const producing = (async () => {
    for await (const entry of entries) await addEntry(pack, entry);
    pack.finalize();
  })().catch((e) => {
    failure ??= e;
    pack.destroy(e);
  });
  try {
    for await (const chunk of pack as AsyncIterable<Uint8Array>) out.write(chunk);
    await producing;
    if (failure) throw failure;
    out.commit();
  } catch (e) {
    failure ??= e; // a write error (EPIPE); the producer's error then is only its echo
    out.abort();
    pack.destroy();
    await producing;
    throw failure;
  }
}
