// `load`: an image archive (docker-archive or OCI layout, from a file or stdin) into the store.
// The archive is unpacked into a scratch dir under image/tmp first (its members come in no
// useful order: docker writes manifest.json last), then every layer is ingested and checked
// against its config's diff_ids. Images become visible only once all layers have passed,
// and the scratch dir is always removed.
import { rmSync } from "node:fs";
import { extractArchive } from "../image/archive-extract.ts";
import { type ArchivedImage, type ArchivedLayer, readArchivedImages } from "../image/archive-images.ts";
import { chainIds } from "../image/digest.ts";
import { type IngestedLayer, ingestLayer } from "../image/ingest.ts";
import { displayParts } from "../image/reference.ts";
import type { ImageStore } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { forEachLimit } from "../lib/pool.ts";

/** A verified layer (and its blob) still under image/tmp, waiting to be committed with its image. */
interface PendingLayer {
  layer: IngestedLayer;
  chainId: string;
  parent: string | null;
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
    // Layers of images already added were committed: discarding those is a no-op.
    for (const layer of ingested) layer.discard();
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// Layers are unpacked (this thread) while copies of uncompressed ones are gzipped (zlib's
// threads): a few at once keep every core busy. More would only contend for the disk.
const PARALLEL_LAYERS = Math.min(4, Math.max(2, navigator.hardwareConcurrency));

async function ingestLayers(store: ImageStore, images: ArchivedImage[], ingested: IngestedLayer[]): Promise<Map<string, PendingLayer>> {
  // Each layer once: one shared by several images of the archive, or already in the store, is not read again (as docker).
  const wanted = new Map<string, { layer: ArchivedLayer; diffId: string; parent: string | null; what: string }>();
  for (const image of images) {
    const diffIds = image.config.rootfs.diff_ids;
    const chains = chainIds(diffIds);
    image.layers.forEach((layer, i) => {
      if (wanted.has(chains[i]) || store.hasLayer(chains[i])) return;
      wanted.set(chains[i], { layer, diffId: diffIds[i], parent: i > 0 ? chains[i - 1] : null, what: `layer ${i + 1} of image ${image.id.slice(7, 19)}` });
    });
  }
  const pending = new Map<string, PendingLayer>();
  await forEachLimit([...wanted], PARALLEL_LAYERS, async ([chainId, { layer, diffId, parent, what }]) => {
    const input = Bun.file(layer.path).stream() as unknown as AsyncIterable<Uint8Array>;
    const got = await ingestLayer(store, input, { expectedDigest: layer.digest, mediaType: layer.mediaType, gzipUncompressed: true });
    ingested.push(got);
    if (got.diffId !== diffId) throw new BunkerError(`${what} unpacks to ${got.diffId}, but its config expects ${diffId}; nothing was loaded`);
    pending.set(chainId, { layer: got, chainId, parent });
  });
  return pending;
}

const familiar = (name: string) => {
  const { repository, tag } = displayParts(name);
  return `${repository}:${tag}`;
};

function addImage(store: ImageStore, image: ArchivedImage, pending: Map<string, PendingLayer>): string[] {
  const chains = chainIds(image.config.rootfs.diff_ids);
  const size = chains.reduce((n, chain) => n + (pending.get(chain)?.layer.size ?? store.readLayer(chain).size), 0);
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
      const p = pending.get(chain);
      if (!p) continue;
      p.layer.commit({ chainId: p.chainId, parent: p.parent });
      pending.delete(chain); // a later image sharing it finds it committed
    }
  });
  if (image.tags.length === 0) return [...lines, `Loaded image ID: ${image.id}`];
  return [...lines, ...image.tags.map((t) => `Loaded image: ${familiar(t)}`)];
}
