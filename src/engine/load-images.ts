// `load`: an image archive (docker-archive or OCI layout, from a file or stdin) into the store.
// The archive is unpacked into a scratch dir under image/tmp first (its members come in no
// useful order: docker writes manifest.json last), then every layer is ingested and checked
// against its config's diff_ids. Images become visible only once all layers have passed,
// and the scratch dir is always removed.
import { rmSync } from "node:fs";
import { extractArchive } from "../image/archive-extract.ts";
import { type ArchivedImage, readArchivedImages } from "../image/archive-images.ts";
import { chainIds } from "../image/digest.ts";
import { type IngestedLayer, ingestLayer } from "../image/ingest.ts";
import { displayParts } from "../image/reference.ts";
import type { ImageStore, LayerRecord } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";

/** A verified layer still under image/tmp, waiting to be committed with its image. */
interface PendingLayer {
  tmpDir: string;
  record: LayerRecord;
}

/** Loads every image in the archive; returns docker's "Loaded image: …" lines. */
export async function loadImages(store: ImageStore, input: AsyncIterable<Uint8Array>): Promise<string[]> {
  const scratch = store.newTempDir();
  const ingested: IngestedLayer[] = [];
  try {
    const images = readArchivedImages(await extractArchive(input, scratch));
    const pending = await ingestLayers(store, images, ingested);
    return images.flatMap((image) => addImage(store, image, pending));
  } catch (e) {
    // Committed layers are no longer under tmp, and their blobs are referenced: both survive this.
    for (const layer of ingested) store.discardLayerDir(layer.tmpDir);
    store.removeUnreferencedBlobs(ingested.map((layer) => layer.blob.digest));
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function ingestLayers(store: ImageStore, images: ArchivedImage[], ingested: IngestedLayer[]): Promise<Map<string, PendingLayer>> {
  const pending = new Map<string, PendingLayer>();
  for (const image of images) {
    const diffIds = image.config.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    for (const [i, layer] of image.layers.entries()) {
      // Shared with an earlier image of the archive, or already in the store: as docker, not read again.
      if (pending.has(chains[i]) || store.hasLayer(chains[i])) continue;
      const input = Bun.file(layer.path).stream() as unknown as AsyncIterable<Uint8Array>;
      const got = await ingestLayer(store, input, { expectedDigest: layer.digest, mediaType: layer.mediaType, gzipUncompressed: true });
      ingested.push(got);
      if (got.diffId !== diffIds[i])
        throw new BunkerError(`layer ${i + 1} of image ${image.id.slice(7, 19)} unpacks to ${got.diffId}, but its config expects ${diffIds[i]}; nothing was loaded`);
      const record = { chainId: chains[i], diffId: got.diffId, parent: i > 0 ? chains[i - 1] : null, size: got.size, blob: got.blob };
      pending.set(chains[i], { tmpDir: got.tmpDir, record });
    }
  }
  return pending;
}

const familiar = (name: string) => {
  const { repository, tag } = displayParts(name);
  return `${repository}:${tag}`;
};

function addImage(store: ImageStore, image: ArchivedImage, pending: Map<string, PendingLayer>): string[] {
  const chains = chainIds(image.config.rootfs.diff_ids);
  const size = chains.reduce((n, chain) => n + (pending.get(chain)?.record.size ?? store.readLayer(chain).size), 0);
  store.putBlob(image.configBytes);
  if (image.manifest) store.putBlob(image.manifest.bytes);
  const before = store.list();
  const lines: string[] = [];
  for (const tag of image.tags) {
    const old = before.find((i) => i.names.includes(tag));
    if (old && old.id !== image.id) lines.push(`The image ${familiar(tag)} already exists, renaming the old one with ID ${old.id} to empty string`);
  }
  const record = { id: image.id, created: image.config.created ?? new Date().toISOString(), layers: chains, size, manifest: image.manifest?.descriptor };
  // Layers are committed under the index lock, so a concurrent rmi cannot prune them before the image refers to them.
  store.addImage(record, image.tags, () => {
    for (const chain of chains) {
      const layer = pending.get(chain);
      if (!layer) continue;
      store.commitLayer(layer.tmpDir, layer.record);
      pending.delete(chain); // a later image sharing it finds it committed
    }
  });
  if (image.tags.length === 0) return [...lines, `Loaded image ID: ${image.id}`];
  return [...lines, ...image.tags.map((t) => `Loaded image: ${familiar(t)}`)];
}
