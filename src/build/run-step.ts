// RUN: a container on the parent state, made and started through the engine
// like any other (create, then start attached with its output handed to the
// build's log), its writable layer turned into the step's layer as `commit`
// does, and the container removed whatever happens.
import fs from "node:fs";
import { join, posix } from "node:path";
import { createContainer } from "../engine/create-container.ts";
import type { Engine } from "../engine/engine.ts";
import { removeContainer } from "../engine/remove-container.ts";
import { treeEntries } from "../engine/rootfs/tree-reader.ts";
import { startContainer } from "../engine/start-container.ts";
import type { IngestedLayer } from "../image/ingest.ts";
import { ingestEntries } from "../image/ingest-entries.ts";
import type { Cancellation } from "./cancel.ts";
import { statInImage } from "./image-files.ts";
import { type BuildState, recordState } from "./state.ts";

export interface RunStepOptions {
  argv: string[];
  /** Build args in scope, as KEY=VALUE: the step's environment only, never the image's. */
  env: string[];
  network: string;
  /** host:target[:ro] binds (cache, bind and secret mounts). */
  binds: string[];
  /** HostConfig.Tmpfs: target -> mount options. */
  tmpfs: Record<string, string>;
  /** Mount targets: the directories made for them are no part of the layer. */
  targets: string[];
  output: (fd: number, data: Buffer) => void;
  cancel: Cancellation;
}

export type RunStepResult = { exitCode: number } & ({ layer: IngestedLayer } | { layer?: undefined });

export async function runStep(engine: Engine, parent: BuildState, opts: RunStepOptions): Promise<RunStepResult> {
  recordState(engine.images, parent);
  const c = createContainer(
    engine,
    {
      Image: parent.id,
      Cmd: opts.argv,
      Entrypoint: [],
      Env: opts.env,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        Binds: opts.binds,
        Tmpfs: opts.tmpfs,
        NetworkMode: opts.network,
      },
    },
    { ignoreImageVolumes: true },
  );
  try {
    const exitCode = await opts.cancel.running(c.Id, () => startContainer(engine, c.Id, { attach: true, interactive: false, output: opts.output }));
    if (exitCode !== 0) return { exitCode };
    const upperPath = engine.containers.path(c.Id, "upper");
    const made = mountPointsMade(engine, parent, opts.targets);
    // A mount point the runtime made (an empty file or directory, or a directory of nothing else) stays out.
    const onlyMountPoint = (rel: string): boolean => {
      if (!made.has(rel)) return false;
      const st = fs.lstatSync(join(upperPath, rel));
      if (st.isFile()) return st.size === 0;
      return st.isDirectory() && fs.readdirSync(join(upperPath, rel)).every((c) => onlyMountPoint(`${rel}/${c}`));
    };
    const skip = (rel: string) => onlyMountPoint(rel);
    const upper = fs.openSync(upperPath, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      return { exitCode, layer: await ingestEntries(engine.images, treeEntries({ fd: upper }, "", { overlayWhiteouts: true, skip })) };
    } finally {
      fs.closeSync(upper);
    }
  } finally {
    removeContainer(engine, c.Id, { force: true, volumes: true });
  }
}

/** The mount targets (and their parents) that the parent state lacks: the runtime made them only to mount on. */
function mountPointsMade(engine: Engine, parent: BuildState, targets: string[]): Set<string> {
  const made = new Set<string>();
  for (const target of targets) {
    for (let p = target.replace(/^\/+/, ""); p !== "" && p !== "."; p = posix.dirname(p)) {
      if (statInImage(engine.images, parent.layers, p)) break;
      made.add(p);
    }
  }
  return made;
}
