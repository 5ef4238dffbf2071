// A byte stream that may be gzip or zstd compressed, decompressed on the fly:
// image archives given to `load` (docker accepts `docker save | gzip`), and
// stored layer blobs that `save` writes out as plain layer.tar files.
import type zlib from "node:zlib";
import { drainedOrClosed } from "../lib/drained.ts";

export type Compression = "gzip" | "zstd" | "none";

/** The compression of a stream, from its first four bytes. */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

// Larger than zlib's 16 KiB default: fewer chunks, fewer writes downstream.
const CHUNK = 256 * 1024;

/** Yields `input` decompressed, detecting gzip or zstd from its first bytes; anything else passes through. */
export async function* decompress(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  // The magic number may straddle chunks (a pipe can deliver 1 byte at a time).
  let head: Uint8Array = new Uint8Array(0);
  let ended = false;
  while (head.length < 4) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head = head.length ? Buffer.concat([head, r.value]) : r.value;
  }
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length) yield head;
      while (!ended) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.(); // closes the file or pipe if we stop early
    }
  }
  const kind = compressionOf(head);
  if (kind === "none") {
    yield* rest();
    return;
  }
  // Required here, not imported: node:zlib costs every command ~3 ms to load.
  const { createGunzip, createZstdDecompress } = require("node:zlib") as typeof zlib;
  const decoder = kind === "gzip" ? createGunzip({ chunkSize: CHUNK }) : createZstdDecompress({ chunkSize: CHUNK });
  // Fed in the background with backpressure; a read error ends the decoder with that error.
  const feeding = (async () => {
    try {
      for await (const chunk of rest()) {
        if (decoder.destroyed) return;
        if (!decoder.write(chunk)) await drainedOrClosed(decoder);
      }
      decoder.end();
    } catch (e) {
      decoder.destroy(e as Error);
    }
  })();
  try {
    for await (const chunk of decoder) yield chunk as Uint8Array;
    await feeding;
  } finally {
    decoder.destroy(); // the consumer stopped early or failed: stop feeding too
  }
}
