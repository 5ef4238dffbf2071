// `push`: local store -> registry. Layers go as the compressed blobs the store
// kept (so their digests are the ones the manifest names); blobs the registry
// has are skipped, and ones it has in another repository are mounted.
import { createReadStream } from "node:fs";
import { MEDIA } from "../image/manifest.ts";
import { fullName, parseReference } from "../image/reference.ts";
import type { BlobDescriptor, ImageRecord } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { RegistryClient } from "../registry/client.ts";
import type { Engine } from "./engine.ts";
import type { PullEvents } from "./pull-image.ts";

const shortDigest = (d: string) => d.slice(7, 19);

async function* fileChunks(path: string): AsyncIterable<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Uint8Array;
}

/** The manifest for an image: the one it was pulled with, or a new Docker schema2 (OCI when a layer is not gzip). */
function manifestFor(engine: Engine, image: ImageRecord, layers: BlobDescriptor[]): { mediaType: string; bytes: Uint8Array } {
  if (image.manifest && engine.images.hasBlob(image.manifest.digest)) {
    return { mediaType: image.manifest.mediaType, bytes: engine.images.readBlob(image.manifest.digest) };
  }
  const config = engine.images.readBlob(image.id);
  const docker = layers.every((l) => l.mediaType === MEDIA.dockerLayerGzip);
  const manifest = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
    config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, size: config.length, digest: image.id },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
  };
  return { mediaType: manifest.mediaType, bytes: new TextEncoder().encode(JSON.stringify(manifest)) };
}

export async function pushImage(engine: Engine, reference: string, events: PullEvents): Promise<string> {
  const ref = parseReference(reference);
  const image = engine.images.resolve(reference);
  const client = RegistryClient.for(ref.domain, ref.path);
  events.status(`The push refers to repository [${fullName(ref)}]`);

  const layers = image.layers.map((chain) => {
    const blob = engine.images.readLayer(chain).blob;
    if (!blob || !engine.images.hasBlob(blob.digest))
      throw new BunkerError(`layer ${chain} has no stored blob to push (it was stored by an older bunker); import or pull the image again`);
    return blob;
  });
  // Another repository on the same registry that has the image: its blobs can be mounted instead of uploaded.
  const mountFrom = (image.repoDigests ?? [])
    .map((d) => parseReference(d))
    .find((r) => r.domain === ref.domain && r.path !== ref.path)?.path;

  // Docker lists the top layer first.
  for (const blob of [...layers].reverse()) {
    const short = shortDigest(blob.digest);
    events.layer(short, "Preparing");
    const result = await client.uploadBlob(blob.digest, blob.size, () => fileChunks(engine.images.blobPath(blob.digest)), { mountFrom });
    events.layer(short, result === "exists" ? "Layer already exists" : result === "mounted" ? `Mounted from ${mountFrom}` : "Pushed");
  }
  const config = engine.images.readBlob(image.id);
  await client.uploadBlob(image.id, config.length, async function* () {
    yield config;
  });

  const manifest = manifestFor(engine, image, layers);
  const digest = await client.putManifest(ref.tag ?? "latest", manifest.mediaType, manifest.bytes);
  engine.images.putBlob(manifest.bytes);
  engine.images.update((index) => {
    const current = index.images[image.id];
    if (!current) return;
    current.repoDigests = [...new Set([...(current.repoDigests ?? []), `${fullName(ref)}@${digest}`])];
    current.manifest ??= { digest, size: manifest.bytes.length, mediaType: manifest.mediaType };
  });
  events.status(`${ref.tag ?? "latest"}: digest: ${digest} size: ${manifest.bytes.length}`);
  return digest;
}
