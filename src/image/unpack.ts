// Extracts one image layer (tar, tar+gzip or tar+zstd) into an empty directory,
// computing its diffID on the way. Stream plumbing lives here; what an entry
// does to the file system, and the safety checks, live in layerfs.ts.
import { type EventEmitter, once } from "node:events";
import fs from "node:fs";
import type zlib from "node:zlib";
import tar from "tar-stream";
import { BunkerError } from "../lib/errors.ts";
import { LayerError } from "./layer-error.ts";
import { LayerWriter, normalizeName } from "./layerfs.ts";

export { LayerError };

export interface UnpackResult {
  /** "sha256:<hex>" of the uncompressed tar stream. */
  diffId: string;
  /** Sum of the sizes of the regular files written. */
  size: number;
}

type Input = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
// Larger than zlib's 16 KiB default: fewer chunks means fewer events and writes.
const CHUNK = 256 * 1024;

const oneLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0];
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const startsWith = (b: Uint8Array, magic: number[]) => magic.every((m, i) => b[i] === m);

/** Extracts one layer tar (uncompressed, gzip or zstd: detected by magic bytes) from `input` into the EXISTING empty directory `dest`. */
export async function unpackLayer(input: Input, dest: string): Promise<UnpackResult> {
  const hasher = new Bun.CryptoHasher("sha256");
  const writer = new LayerWriter(dest);
  // A high-water mark above the decoder's chunk size, so one chunk does not mean one pause.
  const extract = tar.extract({ highWaterMark: 4 * CHUNK } as object);
  let decoder: zlib.Gunzip | zlib.ZstdDecompress | undefined;
  let size = 0;
  let openFd = -1;
  let failure: unknown;

  const fail = (e: unknown) => {
    failure ??= e instanceof BunkerError ? e : new LayerError(`invalid layer archive: ${lowerFirst(oneLine(e))}`);
    decoder?.destroy();
    extract.destroy(failure as Error);
  };
  const done = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", fail);
    extract.on("close", () => (failure ? reject(failure) : resolve()));
  });
  done.catch(() => {}); // observed below; avoid an unhandled rejection meanwhile

  extract.on("entry", (header, stream, next) => {
    const name = header.name;
    stream.on("error", () => {}); // a failed extraction destroys the entry stream too; fail() reports it
    const onError = (e: unknown) => {
      if (openFd >= 0) fs.closeSync(openFd);
      openFd = -1;
      fail(e instanceof BunkerError ? e : new LayerError(`cannot extract layer entry ${JSON.stringify(name)}: ${oneLine(e)}`));
    };
    try {
      const rel = normalizeName(name);
      if (rel === "" || writer.whiteout(rel, name)) {
        stream.resume();
        return next();
      }
      switch (header.type) {
        case "file":
        case "contiguous-file": {
          const fd = (openFd = writer.openFile(rel, name));
          size += header.size ?? 0;
          // Write chunks as they arrive: a file is never held in memory whole.
          stream.on("data", (data) => {
            const chunk = data as Uint8Array;
            try {
              for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
            } catch (e) {
              onError(e);
            }
          });
          stream.on("end", () => {
            if (openFd !== fd) return; // already failed
            openFd = -1;
            try {
              writer.closeFile(fd, header);
            } catch (e) {
              return onError(e);
            }
            next();
          });
          return;
        }
        case "directory":
          writer.dir(rel, header, name);
          break;
        case "symlink":
          writer.symlink(rel, header.linkname ?? "", header, name);
          break;
        case "link":
          writer.hardlink(rel, header.linkname ?? "", name);
          break;
        case "character-device":
        case "block-device":
        case "fifo":
          writer.special(rel, header.type, { ...header, devmajor: header.devmajor ?? 0, devminor: header.devminor ?? 0 }, name);
          break;
        default:
          throw new LayerError(`layer entry ${JSON.stringify(name)} has an unsupported type`);
      }
      stream.resume();
      next();
    } catch (e) {
      onError(e);
    }
  });

  // Everything decompressed is hashed (that is the diffID) and parsed. The count of
  // trailing zero bytes tells whether the end-of-archive blocks arrived: a zstd
  // stream cut short ends without an error, and tar-stream accepts a tar cut
  // between two entries.
  let trailingZeros = 0;
  const toTar = (chunk: Uint8Array) => {
    hasher.update(chunk);
    let i = chunk.length - 1;
    while (i >= 0 && chunk[i] === 0) i--;
    trailingZeros = i < 0 ? trailingZeros + chunk.length : chunk.length - 1 - i;
    return extract.write(chunk);
  };

  /** Where input bytes go: straight to toTar, or through a decompressor into it. */
  interface Sink {
    write(chunk: Uint8Array): boolean;
    end(): void;
    drained(): Promise<unknown>;
  }
  const openSink = (head: Uint8Array): Sink => {
    // Required here, not imported: the bundler hoists builtin imports, and node:zlib (with node:stream) costs every command ~3 ms to load.
    const { createGunzip, createZstdDecompress } = require("node:zlib") as typeof zlib;
    if (startsWith(head, GZIP)) decoder = createGunzip({ chunkSize: CHUNK });
    else if (startsWith(head, ZSTD)) decoder = createZstdDecompress({ chunkSize: CHUNK });
    else return { write: toTar, end: () => extract.end(null), drained: () => once(extract as unknown as EventEmitter, "drain") };
    const d = decoder;
    d.on("data", (c: Uint8Array) => {
      if (!toTar(c)) {
        d.pause();
        extract.once("drain", () => d.resume());
      }
    });
    d.on("end", () => extract.end(null));
    d.on("error", fail);
    return { write: (c) => d.write(c), end: () => d.end(), drained: () => once(d, "drain") };
  };

  try {
    let sink: Sink | undefined;
    let head: Uint8Array = new Uint8Array(0); // the first bytes, kept until the magic number is known
    const feed = async (chunk: Uint8Array) => {
      if (!sink!.write(chunk)) await Promise.race([sink!.drained(), done]);
    };
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      if (failure) break;
      if (sink) {
        await feed(chunk);
        continue;
      }
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      if (head.length < 4) continue;
      sink = openSink(head);
      await feed(head);
    }
    if (!failure) {
      if (!sink) {
        if (!head.length) throw new LayerError("invalid layer archive: no data");
        sink = openSink(head);
        await feed(head);
      }
      sink.end();
    }
    await done;
  } catch (e) {
    // Parse and extraction errors are in `failure` already; anything else came from reading the input.
    fail(failure ?? (e instanceof BunkerError ? e : new LayerError(`cannot read layer: ${oneLine(e)}`)));
  } finally {
    if (openFd >= 0) fs.closeSync(openFd);
  }
  if (failure) throw failure;
  if (trailingZeros < 512) throw new LayerError("invalid layer archive: unexpected end of data");
  writer.finish();
  return { diffId: `sha256:${hasher.digest("hex")}`, size };
}
