// `run`: create + start, ordered so the container starts as fast as possible.
import { writeFile } from "node:fs/promises";
import { stopWarmingCgroupAttach, warmCgroupAttach } from "../../ffi/native.ts";
import { trace } from "../lib/trace.ts";
import { createCgroup, ownProcsFile, removeCgroup } from "../runtime/cgroups.ts";
import { type CreateOptions, createContainer, newContainerId } from "./create-container.ts";
import type { Engine } from "./engine.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { startContainer } from "./start-container.ts";

export interface RunResult {
  id: string;
  /** The container's exit code when attached; 0 when detached. */
  exitCode: number;
}

/**
 * Joining a cgroup first waits for an RCU grace period (~15 ms on cgroup v1)
 * while holding the cgroup lock. So the container's cgroup is made first;
 * then a write from a background thread starts the grace period while the
 * native code compiles, a native thread keeps the attach path warm (see
 * native.c), and the record and bundle are written meanwhile.
 */
export async function runContainer(engine: Engine, opts: CreateOptions, detach: boolean): Promise<RunResult> {
  const id = newContainerId();
  const cgroup = createCgroup(cgroupPath(id));
  const procs = ownProcsFile();
  if (procs) {
    writeFile(procs, String(process.pid)).catch(() => {}); // only an optimisation
    warmCgroupAttach(procs);
  }
  try {
    createContainer(engine, opts, id);
  } catch (e) {
    stopWarmingCgroupAttach();
    removeCgroup(cgroupPath(id));
    throw e;
  }
  trace("container created");
  const exitCode = await startContainer(engine, id, { attach: !detach, interactive: opts.interactive, cgroup });
  return { id, exitCode };
}
