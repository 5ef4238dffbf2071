// `image prune`: removes dangling images (no tag left), or with `all` every image, that no
// container uses. Each removal goes through rmi's logic (removeImage), forced so that an
// image with several tags is untagged and deleted in one step, as docker's prune does.
import type { ImageRecord, ImageStore } from "../image/store.ts";
import type { Engine } from "./engine.ts";
import { NotFoundError } from "../lib/errors.ts";
import { removeImage } from "./remove-image.ts";

export interface PruneReport {
  /** docker's "untagged: …" / "deleted: sha256:…" lines. */
  lines: string[];
  /** Bytes of the layers that went away with the images. */
  reclaimed: number;
}

/** Chain id -> unpacked size of every layer some image lists. */
function layerSizes(store: ImageStore): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const image of store.list()) for (const chain of image.layers) if (!sizes.has(chain)) sizes.set(chain, store.tryReadLayer(chain)?.size ?? 0);
  return sizes;
}

/** `only`: a narrower choice among the candidates (`builder prune`: a build's intermediate images). */
export function pruneImages(engine: Engine, all: boolean, only?: (image: ImageRecord) => boolean): PruneReport {
  const store = engine.images;
  const used = new Set(engine.containers.list().map((c) => c.Image));
  const before = layerSizes(store);
  const lines: string[] = [];
  for (const image of store.list()) {
    if (used.has(image.id) || (!all && image.names.length > 0) || (only && !only(image))) continue;
    let removed: string[];
    try {
      removed = removeImage(engine, image.id, true, true);
    } catch (e) {
      if (e instanceof NotFoundError) continue; // another prune or rmi got there first
      throw e;
    }
    // rmi says "Untagged: x" / "Deleted: y"; prune's report spells them in lower case.
    for (const line of removed) lines.push(line.charAt(0).toLowerCase() + line.slice(1));
  }
  const after = layerSizes(store);
  let reclaimed = 0;
  for (const [chain, size] of before) if (!after.has(chain)) reclaimed += size;
  return { lines, reclaimed };
}
