// `system df`: what images, containers, volumes and the build cache take on disk,
// counted as `du` counts (allocated blocks, each inode once), and how much of it
// a prune could give back. Each total is the disk usage of that part of the store.
import { join } from "node:path";
import type { ImageRecord } from "../image/store.ts";
import { diskUsage } from "../lib/disk-usage.ts";
import type { CacheObject } from "./build-cache.ts";
import type { LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { refreshState } from "./start-container.ts";
import { canRemove } from "./state.ts";
import type { VolumeRecord } from "./volume-store.ts";
import { volumeUsers } from "./volumes.ts";

export interface Summary {
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface ImageUsage {
  image: ImageRecord;
  size: number;
  /** Bytes of layers another image lists too. */
  shared: number;
  containers: number;
}

export interface StoreUsage {
  images: Summary & { items: ImageUsage[] };
  containers: Summary & { items: { record: LoadedRecord; size: number }[] };
  volumes: Summary & { items: { volume: VolumeRecord; links: number; size: number }[] };
  buildCache: Summary & { items: CacheObject[] };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function imageUsage(engine: Engine, containers: LoadedRecord[]): StoreUsage["images"] {
  const store = engine.images;
  const images = store.list();
  const layerSize = new Map<string, number>();
  const listedBy = new Map<string, number>();
  for (const image of images)
    for (const chain of image.layers) {
      listedBy.set(chain, (listedBy.get(chain) ?? 0) + 1);
      if (layerSize.has(chain)) continue;
      const blob = store.tryReadLayer(chain)?.blob?.digest;
      layerSize.set(chain, diskUsage(store.layerPath(chain)) + (blob ? diskUsage(store.blobPath(blob)) : 0));
    }
  const ownBlobs = (i: ImageRecord) => diskUsage(store.blobPath(i.id)) + (i.manifest ? diskUsage(store.blobPath(i.manifest.digest)) : 0);
  const items = images.map((image) => ({
    image,
    size: ownBlobs(image) + sum(image.layers.map((c) => layerSize.get(c)!)),
    shared: sum(image.layers.filter((c) => listedBy.get(c)! > 1).map((c) => layerSize.get(c)!)),
    containers: containers.filter((c) => c.Image === image.id).length,
  }));
  const active = items.filter((i) => i.containers > 0);
  const kept = new Set(active.flatMap((i) => i.image.layers));
  const size = diskUsage(store.dir);
  const reclaimable = sum([...layerSize].filter(([c]) => !kept.has(c)).map(([, s]) => s)) + sum(items.filter((i) => i.containers === 0).map((i) => ownBlobs(i.image)));
  return { total: images.length, active: active.length, size, reclaimable: Math.min(size, reclaimable), items };
}

export function storeUsage(engine: Engine): StoreUsage {
  const records = engine.containers.list().map((c) => refreshState(engine, c));
  const containerItems = records.map((record) => ({ record, size: diskUsage(engine.containers.path(record.Id)) }));
  const users = volumeUsers(engine);
  const volumeItems = engine.volumes.list().map((volume) => ({ volume, links: users.get(volume.Name)?.length ?? 0, size: diskUsage(join(engine.volumes.dir, volume.Name)) }));
  const cache = engine.buildCache.list();
  return {
    images: imageUsage(engine, records),
    containers: {
      total: records.length,
      active: records.filter((c) => !canRemove(c.State, false)).length,
      size: diskUsage(engine.containers.dir),
      reclaimable: sum(containerItems.filter((c) => canRemove(c.record.State, false)).map((c) => c.size)),
      items: containerItems,
    },
    volumes: {
      total: volumeItems.length,
      active: volumeItems.filter((v) => v.links > 0).length,
      size: diskUsage(engine.volumes.dir),
      reclaimable: sum(volumeItems.filter((v) => v.links === 0).map((v) => v.size)),
      items: volumeItems,
    },
    buildCache: { total: cache.length, active: 0, size: diskUsage(engine.buildCache.dir), reclaimable: sum(cache.map((o) => o.size)), items: cache },
  };
}
