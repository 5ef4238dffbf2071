// `rm`: kill if forced, then remove the writable layer, cgroup and record.
import { kill } from "../../ffi/native.ts";
import { BunkerError } from "../lib/errors.ts";
import { freezeCgroup, removeCgroup } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { cgroupPath } from "./runtime-spec.ts";
import type { LoadedRecord } from "./container-store.ts";
import { isProcessAlive } from "./start-container.ts";
import { canRemove } from "./state.ts";
import { trace } from "../lib/trace.ts";
import { removeAnonymousVolumes } from "./volumes.ts";

const SIGKILL = 9;

function waitGone(pid: number, startTime: number | null | undefined): void {
  // The process is not our child, so it cannot be waited for; its /proc entry disappears once it has been reaped.
  for (let i = 0; i < 2000 && isProcessAlive(pid, startTime); i++) Bun.sleepSync(1);
}

/** `volumes` (`rm -v`, `run --rm`): the container's anonymous volumes go too, after it. */
export function removeContainer(engine: Engine, id: string, opts: { force: boolean; volumes?: boolean }): void {
  const removed = engine.containers.withLock(id, () => {
    const r: LoadedRecord = engine.containers.load(id);
    const alive = isProcessAlive(r.State.Pid, r.PidStartTime);
    if (alive && !canRemove(r.State, opts.force)) {
      const what = r.State.Paused ? "paused: unpause and then stop" : "running: stop";
      throw new BunkerError(`cannot remove container "${r.Name}": container is ${what} the container before removing or force remove`);
    }
    if (alive) {
      kill(r.State.Pid, SIGKILL);
      // A frozen task takes its SIGKILL only once thawed (v1 freezer).
      if (r.State.Paused) freezeCgroup(cgroupPath(id), false);
      waitGone(r.State.Pid, r.PidStartTime);
    }
    removeCgroup(cgroupPath(id));
    engine.containers.remove(r);
    trace("container removed");
    return r;
  });
  // Outside the container lock: the volumes lock is never taken while holding a container's.
  if (opts.volumes) removeAnonymousVolumes(engine, removed);
}
