// `commit`: the container's writable layer becomes a new top layer on its
// image. overlayfs's deletion marks become OCI whiteouts (tree-reader.ts); the
// tar is ingested like an imported or pulled layer (unpacked, its diff id and
// blob digest computed, both visible only with the image, atomically); the
// config is the image's, updated with the container's settings and the -c
// changes, plus a history entry.
import fs from "node:fs";
import { applyChange } from "../image/changes.ts";
import type { ContainerConfig, ImageConfig } from "../image/config.ts";
import { chainIds, sha256 } from "../image/digest.ts";
import type { IngestedLayer } from "../image/ingest.ts";
import { ingestEntries } from "../image/ingest-entries.ts";
import { canonical, familiarTag, parseReference } from "../image/reference.ts";
import { BunkerError } from "../lib/errors.ts";
import { freezeCgroup } from "../runtime/cgroups.ts";
import type { LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { treeEntries } from "./rootfs/tree-reader.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { isProcessAlive } from "./start-container.ts";
import { assertLayeredRoot } from "./storage-driver.ts";

export interface CommitOptions {
  reference?: string;
  author?: string;
  message?: string;
  changes: string[];
  /** Freeze a running container while its layer is read, so the layer is one moment's state. */
  pause: boolean;
  /** Settings that replace the container's own in the image (the API's commit body), before the changes. */
  config?: ContainerConfig;
}

export async function commitContainer(engine: Engine, ref: string, opts: CommitOptions): Promise<string> {
  const tag = opts.reference ? canonical(parseReference(opts.reference)) : undefined;
  const id = engine.containers.resolve(ref);
  const record = engine.containers.load(id);
  assertLayeredRoot(record.Driver, "commit");
  const image = engine.images.list().find((i) => i.id === record.Image);
  if (!image) throw new BunkerError(`cannot commit container ${ref}: its image ${record.Image.slice(7, 19)} was removed`);
  const config = newConfig(engine.images.readConfig(image.id), record, opts); // -c errors before any work

  const store = engine.images;
  const freeze = opts.pause && !record.State.Paused && isProcessAlive(record.State.Pid, record.PidStartTime);
  const upper = fs.openSync(engine.containers.path(id, "upper"), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  let layer: IngestedLayer;
  try {
    layer = await ingestEntries(store, treeEntries({ fd: upper }, "", { overlayWhiteouts: true }), async (write) => {
      if (freeze) freezeCgroup(cgroupPath(id), true);
      try {
        return await write();
      } finally {
        if (freeze) freezeCgroup(cgroupPath(id), false);
      }
    });
  } finally {
    fs.closeSync(upper);
  }
  config.rootfs.diff_ids.push(layer.diffId);
  const chains = chainIds(config.rootfs.diff_ids);
  const configJson = JSON.stringify(config);
  const newId = sha256(configJson);
  try {
    // The config blob goes in under the images lock, with the image: a prune meanwhile never sees one without the other.
    store.addImage({ id: newId, created: config.created!, layers: chains, size: image.size + layer.size, parent: image.id }, tag ? [tag] : [], () => {
      store.putBlob(configJson);
      layer.commit({ chainId: chains.at(-1)!, parent: chains.at(-2) ?? null });
    });
  } catch (e) {
    layer.discard();
    throw e;
  }
  containerEvent(engine, record, "commit", { comment: opts.message ?? "", imageID: newId, imageRef: tag ? familiarTag(tag) : "" });
  return newId;
}

/** The image's config with docker's commit changes: the container's own settings, then -c, then the new history entry. */
function newConfig(base: ImageConfig, c: LoadedRecord, opts: CommitOptions): ImageConfig {
  const created = new Date().toISOString();
  const cc = c.Config;
  const config: ContainerConfig = {
    ...base.config,
    User: cc.User,
    Env: cc.Env,
    Cmd: cc.Cmd,
    Entrypoint: cc.Entrypoint,
    WorkingDir: cc.WorkingDir,
    Labels: cc.Labels,
    Volumes: cc.Volumes as ContainerConfig["Volumes"],
    ...(cc.StopSignal ? { StopSignal: cc.StopSignal } : {}),
    ...opts.config,
  };
  for (const change of opts.changes) applyChange(config, change);
  const { created: _, author: __, ...rest } = base;
  return {
    ...rest,
    created,
    ...(opts.author ? { author: opts.author } : {}),
    config,
    // docker's legacy fields: the container committed and its config (clients read them as Container and ContainerConfig).
    container: c.Id,
    container_config: cc,
    rootfs: { type: "layers", diff_ids: [...base.rootfs.diff_ids] },
    history: [
      ...(base.history ?? []),
      { created, ...(opts.author ? { author: opts.author } : {}), created_by: [c.Path, ...c.Args].join(" "), ...(opts.message ? { comment: opts.message } : {}) },
    ],
  };
}
