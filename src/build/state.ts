// A build's state after a step: an image config (stored as a blob, so its
// digest is its id) and the layers under it. A state becomes an image record
// only when something needs one: a layer that must be kept (the record holds
// it against pruning), a RUN's container, or the build's result.
import type { ContainerConfig, ImageConfig } from "../image/config.ts";
import { hostArchitecture } from "../image/config.ts";
import type { IngestedLayer } from "../image/ingest.ts";
import { chainIds } from "../image/digest.ts";
import type { ImageStore } from "../image/store.ts";
import { crashPoint } from "../lib/crash-point.ts";

export interface BuildState {
  /** The config's digest. */
  id: string;
  config: ImageConfig;
  /** Chain ids, bottom first. */
  layers: string[];
  size: number;
}

export function scratchConfig(): ImageConfig {
  return { architecture: hostArchitecture(), os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [] }, history: [] };
}

export function imageState(store: ImageStore, id: string): BuildState {
  const image = store.list().find((i) => i.id === id)!;
  return { id, config: store.readConfig(id), layers: image.layers, size: image.size };
}

/** The state after a step that changes only the config (ENV, LABEL, …): recorded in history as an empty layer. */
export function metadataStep(store: ImageStore, parent: BuildState, createdBy: string, change: (c: ContainerConfig) => void): BuildState {
  const config = structuredClone(parent.config);
  config.config ??= {};
  change(config.config);
  return storeState(store, withHistory(config, createdBy, true), parent.layers, parent.size);
}

/** The state after a step that made `layer`; the layer is kept by an intermediate image record. */
export function layerStep(store: ImageStore, parent: BuildState, createdBy: string, layer: IngestedLayer, change?: (c: ContainerConfig) => void): BuildState {
  const config = structuredClone(parent.config);
  config.config ??= {};
  change?.(config.config);
  config.rootfs.diff_ids.push(layer.diffId);
  const chains = chainIds(config.rootfs.diff_ids);
  const state = storeState(store, withHistory(config, createdBy, false), chains, parent.size + layer.size);
  try {
    crashPoint("build.before-step-commit"); // the step's layer unpacked under image/tmp, nothing committed
    store.addImage({ id: state.id, created: state.config.created!, layers: chains, size: state.size, intermediate: true }, [], () => {
      layer.commit({ chainId: chains.at(-1)!, parent: chains.at(-2) ?? null });
      crashPoint("build.step-layer-committed"); // the layer committed, its intermediate image not recorded
    });
  } catch (e) {
    layer.discard();
    throw e;
  }
  return state;
}

/** Makes sure a state is an image record (a RUN's container is created from one). */
export function recordState(store: ImageStore, state: BuildState, tags: string[] = [], intermediate = true): void {
  if (tags.length > 0) crashPoint("build.before-tag"); // every step recorded, the result not yet tagged
  store.addImage({ id: state.id, created: state.config.created ?? new Date().toISOString(), layers: state.layers, size: state.size, ...(intermediate ? { intermediate } : {}) }, tags);
}

function withHistory(config: ImageConfig, createdBy: string, empty: boolean): ImageConfig {
  const created = new Date().toISOString();
  return {
    ...config,
    created,
    history: [...(config.history ?? []), { created, created_by: createdBy, comment: "buildkit.dockerfile.v0", ...(empty ? { empty_layer: true } : {}) }],
  };
}

function storeState(store: ImageStore, config: ImageConfig, layers: string[], size: number): BuildState {
  return { id: store.putBlob(JSON.stringify(config)), config, layers, size };
}
