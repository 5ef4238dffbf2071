// One layer into the store, in a single pass over its bytes: they are hashed
// and written to a blob (for push and save) while the same bytes are
// decompressed and unpacked. The layer dir and the blob stay under tmp/ until
// the caller commits them; a digest mismatch discards both.
import type zlib from "node:zlib";
import type { BlobWriter } from "./blob-writer.ts";
import { compressionOf } from "./decompress.ts";
import { MEDIA } from "./manifest.ts";
import type { BlobDescriptor, ImageStore, LayerRecord } from "./store.ts";
import { unpackLayer } from "./unpack.ts";

export interface IngestOptions {
  /** The compressed blob's digest, as a manifest gives it: verified before anything is kept. */
  expectedDigest?: string;
  /** The descriptor's media type, kept with the blob. */
  mediaType?: string;
  /** Keep a gzip copy of an uncompressed tar (import, load), so pushes send gzip layers. */
  gzipUncompressed?: boolean;
  /** Called with the number of input bytes consumed so far. */
  onProgress?: (bytes: number) => void;
}

export interface IngestedLayer {
  /** The unpacked layer, still under image/tmp: commit() moves it into place with its blob. */
  tmpDir: string;
  diffId: string;
  size: number;
  blob: BlobDescriptor;
  /** Makes the layer and its blob visible; call under the image index lock (inside addImage). */
  commit(record: Omit<LayerRecord, "blob" | "size" | "diffId">): void;
  /** Throws the layer and its blob away (another part of the image failed). */
  discard(): void;
}

const MEDIA_BY_COMPRESSION = { gzip: MEDIA.dockerLayerGzip, zstd: MEDIA.ociLayerZstd, none: MEDIA.ociLayer };

/** Gzips into the blob on zlib's thread pool, in parallel with unpacking on this thread. */
function gzipInto(blob: BlobWriter): { write(chunk: Uint8Array): void; finish(): Promise<void> } {
  const { createGzip } = require("node:zlib") as typeof zlib;
  const gz = createGzip({ chunkSize: 256 * 1024 });
  gz.on("data", (d: Uint8Array) => blob.write(d));
  const ended = new Promise<void>((resolve, reject) => {
    gz.on("end", resolve);
    gz.on("error", reject);
  });
  return {
    write: (chunk) => void gz.write(chunk),
    finish: () => {
      gz.end();
      return ended;
    },
  };
}

export async function ingestLayer(store: ImageStore, input: AsyncIterable<Uint8Array>, opts: IngestOptions = {}): Promise<IngestedLayer> {
  const tmpDir = store.newLayerDir();
  const blob = store.newBlobWriter();
  let gzip: ReturnType<typeof gzipInto> | undefined;
  let mediaType = opts.mediaType;
  let consumed = 0;

  async function* tee(): AsyncIterable<Uint8Array> {
    for await (const chunk of input) {
      if (consumed === 0) {
        const compression = compressionOf(chunk);
        if (compression === "none" && opts.gzipUncompressed) {
          gzip = gzipInto(blob);
          mediaType = MEDIA.dockerLayerGzip;
        } else mediaType ??= MEDIA_BY_COMPRESSION[compression];
      }
      consumed += chunk.length;
      if (gzip) gzip.write(chunk);
      else blob.write(chunk);
      opts.onProgress?.(consumed);
      yield chunk;
    }
  }

  try {
    const unpacked = await unpackLayer(tee(), `${tmpDir}/diff`);
    await gzip?.finish();
    const size = blob.size;
    // With gzip, the stored blob is ours, so only the input could be checked (it was: the diffId).
    const digest = blob.finish(gzip ? undefined : opts.expectedDigest);
    const descriptor = { digest, size, mediaType: mediaType ?? MEDIA.ociLayer };
    return {
      tmpDir,
      diffId: unpacked.diffId,
      size: unpacked.size,
      blob: descriptor,
      commit: (record) => {
        blob.publish();
        store.commitLayer(tmpDir, { ...record, diffId: unpacked.diffId, size: unpacked.size, blob: descriptor });
      },
      discard: () => {
        blob.abort();
        store.discardLayerDir(tmpDir);
      },
    };
  } catch (e) {
    blob.abort();
    store.discardLayerDir(tmpDir);
    throw e;
  }
}
