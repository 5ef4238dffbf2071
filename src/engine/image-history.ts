// An image's history as docker shows it (`history`, GET /images/{name}/history):
// one row per config history entry, newest first, each with the size of the
// layer it made.
import type { ImageConfig } from "../image/config.ts";
import type { ImageStore } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";

export interface HistoryRow {
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

/**
 * Docker's rows, newest first: each history entry that made a layer (not empty_layer) takes the
 * next layer's size. Only the top row is this image; the ones below would be parent images,
 * which a pulled or loaded image does not have locally, so they are <missing> (as docker).
 */
export function historyRows(id: string, config: ImageConfig, layerSizes: number[]): HistoryRow[] {
  let layer = 0;
  const rows = (config.history ?? []).map((h) => {
    let size = 0;
    if (!h.empty_layer) {
      if (layer >= layerSizes.length) throw new BunkerError("too many non-empty layers in History section");
      size = layerSizes[layer++];
    }
    return { id: "<missing>", created: h.created, createdBy: h.created_by ?? "", size, comment: h.comment ?? "" };
  });
  rows.reverse();
  if (rows.length > 0) rows[0].id = id;
  return rows;
}

/** REF's history rows (see historyRows). */
export function imageHistory(store: ImageStore, ref: string): HistoryRow[] {
  const image = store.resolve(ref);
  const sizes = image.layers.map((chain) => store.readLayer(chain).size);
  return historyRows(image.id, store.readConfig(image.id), sizes);
}
