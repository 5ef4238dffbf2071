// The manifest an image is written with: the one it came with when the source
// offers it (its digest, and so every repo digest, stays true), else a new one
// naming the config and the layers as the source offers them.
import { digestHex, sha256 } from "../image/digest.ts";
import { layerCompression, MEDIA } from "../image/manifest.ts";
import type { BlobDescriptor } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import type { CopyImage, CopyLayer } from "./types.ts";

const OCI_LAYER_TYPE = { gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd, none: MEDIA.ociLayer };

/** A layer's blob, whole. Only the store feeds destinations other than itself, and it always knows its blobs. */
export function requireBlob(layer: CopyLayer): BlobDescriptor {
  const { digest, size, mediaType } = layer.blob;
  if (!digest || size === undefined || !mediaType) throw new BunkerError(`internal error: layer ${digestHex(layer.diffId)} has no blob to write`);
  return { digest, size, mediaType };
}

export interface ImageManifest {
  mediaType: string;
  digest: string;
  bytes: Uint8Array;
}

/**
 * `preferred` is the format for a new manifest; docker schema2 is used only when every layer is
 * gzip, the one compression it knows. Key order is part of the digest: each format keeps the order
 * bunker has always written, so an unchanged image saved or pushed again gets the same digest.
 */
export function imageManifest(image: CopyImage, preferred: typeof MEDIA.dockerManifest | typeof MEDIA.ociManifest): ImageManifest {
  if (image.manifest) return { mediaType: image.manifest.descriptor.mediaType, digest: image.manifest.descriptor.digest, bytes: image.manifest.bytes };
  const blobs = image.layers.map(requireBlob);
  const config = { size: image.configBytes.length, digest: image.id };
  const manifest =
    preferred === MEDIA.dockerManifest && blobs.every((b) => b.mediaType === MEDIA.dockerLayerGzip)
      ? {
          schemaVersion: 2,
          mediaType: MEDIA.dockerManifest,
          config: { mediaType: MEDIA.dockerConfig, ...config },
          layers: blobs.map((b) => ({ mediaType: b.mediaType, size: b.size, digest: b.digest })),
        }
      : {
          schemaVersion: 2,
          mediaType: MEDIA.ociManifest,
          config: { mediaType: MEDIA.ociConfig, digest: config.digest, size: config.size },
          layers: blobs.map((b) => ({ mediaType: OCI_LAYER_TYPE[layerCompression(b.mediaType)], digest: b.digest, size: b.size })),
        };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { mediaType: manifest.mediaType, digest: sha256(bytes), bytes };
}
