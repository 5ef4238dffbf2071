// The local store as a destination (pull, load). Each layer is read once, in
// a single streaming pass (verify the blob, keep it, unpack it: ingest.ts),
// several at once; one shared by several images is read once, and one the
// store has already is not read at all. Every layer must unpack to the diff id
// its config names. Layers and blobs stay invisible under image/tmp until
// their image is added, and a failure anywhere discards all of them.
import { chainIds } from "../image/digest.ts";
import { type IngestedLayer, ingestLayer } from "../image/ingest.ts";
import { type ImageRecord, type ImageStore, LayerGoneError } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { forEachLimit } from "../lib/pool.ts";
import { type CopyEvents, type CopyImage, type CopyLayer, type CopyOptions, type ImageDestination, shortId } from "./types.ts";
import { crashPoint } from "../lib/crash-point.ts";

export interface StoredImage {
  record: ImageRecord;
  /** The tags this copy gave it (its record may have more). */
  tags: string[];
  /** Tags this copy took from another image, with that image's id (load says so, as docker does). */
  retagged: { tag: string; from: string }[];
  /** Whether any of its layers was new to the store: docker's "Downloaded newer image", not "Image is up to date". */
  fresh: boolean;
}

/** A layer to bring in, once, whichever images share it. */
interface Wanted {
  layer: CopyLayer;
  chainId: string;
  /** "layer 2 of image 0123456789ab", for messages. */
  what: string;
}

export class StoreDestination implements ImageDestination<StoredImage[]> {
  constructor(private readonly store: ImageStore) {}

  async write(images: CopyImage[], { events, parallel }: CopyOptions): Promise<StoredImage[]> {
    const ingested = new Map<string, IngestedLayer>();
    const fetched = new Set<string>();
    try {
      // A prune running meanwhile may remove a layer this copy found in place: then the copy fetches
      // that one after all, keeping what it has ingested already.
      for (let attempt = 1; ; attempt++) {
        await this.ingest(images, events, parallel, ingested);
        for (const chain of ingested.keys()) fetched.add(chain);
        try {
          return images.map((image) => this.add(image, ingested, fetched));
        } catch (e) {
          if (!(e instanceof LayerGoneError) || attempt === 3) throw e;
        }
      }
    } finally {
      // What is left was not committed (add() takes out what it commits): none of it becomes visible.
      for (const layer of ingested.values()) layer.discard();
    }
  }

  private async ingest(images: CopyImage[], events: CopyEvents, parallel: number, ingested: Map<string, IngestedLayer>): Promise<void> {
    const wanted = new Map<string, Wanted>();
    for (const image of images) {
      const chains = chainIds(image.config.rootfs.diff_ids);
      image.layers.forEach((layer, i) => {
        if (!wanted.has(chains[i])) wanted.set(chains[i], { layer, chainId: chains[i], what: `layer ${i + 1} of image ${image.id.slice(7, 19)}` });
      });
    }
    await forEachLimit([...wanted.values()], parallel, async ({ layer, chainId, what }) => {
      if (ingested.has(chainId)) return; // by an earlier attempt
      const short = shortId(layer.blob.digest ?? layer.diffId);
      if (this.store.hasLayer(chainId)) {
        events.layer(short, "Already exists");
        return;
      }
      events.layer(short, "Pulling fs layer");
      const got = await ingestLayer(this.store, layer.open(), {
        expectedDigest: layer.blob.digest,
        mediaType: layer.blob.mediaType,
        gzipUncompressed: layer.gzipIfPlain,
        onProgress: (current) => events.layer(short, "Downloading", { current, total: layer.blob.size ?? 0 }),
      });
      ingested.set(chainId, got);
      if (got.diffId !== layer.diffId) throw new BunkerError(`${what} unpacks to ${got.diffId}, but its config expects ${layer.diffId}; nothing was loaded`);
      events.layer(short, "Pull complete");
    });
  }

  /** A layer the store had before this copy (a prune may have removed it since). */
  private storedSize(image: CopyImage, chain: string): number {
    try {
      return this.store.readLayer(chain).size;
    } catch {
      throw new LayerGoneError(image.id);
    }
  }

  /** `pending`: the ingested layers not committed yet; the first image that uses one commits it. */
  private add(image: CopyImage, pending: Map<string, IngestedLayer>, fetched: Set<string>): StoredImage {
    const { store } = this;
    const chains = chainIds(image.config.rootfs.diff_ids);
    const size = chains.reduce((n, chain) => n + (pending.get(chain)?.size ?? this.storedSize(image, chain)), 0);
    const before = store.list();
    const retagged = image.tags.flatMap((tag) => {
      const old = before.find((i) => i.names.includes(tag));
      return old && old.id !== image.id ? [{ tag, from: old.id }] : [];
    });
    const record = {
      id: image.id,
      created: image.config.created ?? new Date().toISOString(),
      layers: chains,
      size,
      manifest: image.manifest?.descriptor,
      repoDigests: image.repoDigests,
    };
    crashPoint("pull.before-commit"); // every layer unpacked under image/tmp, nothing committed
    // Layers and blobs are committed under the index lock, so a concurrent prune cannot remove them before the image refers to them.
    const added = store.addImage(record, image.tags, () => {
      // Checked before anything is committed, so a refused attempt leaves nothing behind.
      if (!chains.every((c) => pending.has(c) || store.hasLayer(c))) throw new LayerGoneError(image.id);
      store.putBlob(image.configBytes);
      crashPoint("pull.config-committed"); // the config blob in, no layer committed, no image recorded
      if (image.manifest) store.putBlob(image.manifest.bytes);
      chains.forEach((chain, i) => {
        pending.get(chain)?.commit({ chainId: chain, parent: i > 0 ? chains[i - 1] : null });
        pending.delete(chain); // a later image sharing it finds it committed
      });
    });
    return { record: added, tags: image.tags, retagged, fresh: chains.some((c) => fetched.has(c)) };
  }
}
