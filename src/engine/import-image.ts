// `bunker import`: a rootfs tarball becomes a one-layer image.
import { BunkerError } from "../lib/errors.ts";
import { applyChange } from "../image/changes.ts";
import { type ContainerConfig, hostArchitecture, type ImageConfig } from "../image/config.ts";
import { canonical, parseReference } from "../image/reference.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";
import { ingestLayer } from "../image/ingest.ts";
import { sha256 } from "../image/digest.ts";

export interface ImportOptions {
  source: string; // a file path, or "-" for stdin; with input, only named in the history's comment (a URL)
  /** The tarball's bytes (an API request's body or download) instead of reading source. */
  input?: AsyncIterable<Uint8Array>;
  reference?: string;
  changes: string[];
  message?: string;
}

export async function importImage(engine: Engine, opts: ImportOptions): Promise<string> {
  const store = engine.images;
  // Validate everything cheap before touching the store.
  const tag = opts.reference ? canonical(parseReference(opts.reference)) : undefined;
  const containerConfig: ContainerConfig = {};
  for (const change of opts.changes) applyChange(containerConfig, change);

  const input = opts.input ?? (await openSource(opts.source));
  // The layer is kept gzipped too, so a push sends exactly the layer whose digest the manifest names.
  const layer = await ingestLayer(store, input, { gzipUncompressed: true });

  const created = new Date().toISOString();
  const config: ImageConfig = {
    architecture: hostArchitecture(),
    os: "linux",
    created,
    config: containerConfig,
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created, created_by: "bunker import", comment: opts.message ?? `Imported from ${opts.source}` }],
  };
  const configJson = JSON.stringify(config);
  const id = sha256(configJson);
  try {
    // The layer and config are committed under the index lock, so a concurrent prune cannot remove them before the image refers to them.
    store.addImage({ id, created, layers: [layer.diffId], size: layer.size }, tag ? [tag] : [], () => {
      store.putBlob(configJson);
      layer.commit({ chainId: layer.diffId, parent: null });
    });
  } catch (e) {
    layer.discard();
    throw e;
  }
  imageEvent(engine, "import", id, id);
  return id;
}

async function openSource(source: string): Promise<AsyncIterable<Uint8Array>> {
  const file = source === "-" ? Bun.stdin : Bun.file(source);
  if (source !== "-" && !(await file.exists())) throw new BunkerError(`open ${source}: no such file or directory`);
  return file.stream() as unknown as AsyncIterable<Uint8Array>;
}
