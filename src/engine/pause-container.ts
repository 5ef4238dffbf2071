// `pause` and `unpause`: the cgroup freezer stops every task of the container
// (v1 freezer.state, v2 cgroup.freeze); the run file records it, so `ps` and
// `inspect` show "paused" until `unpause` or the container's end.
import { freezeCgroup } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { isProcessAlive } from "./start-container.ts";
import { assertCanPause, assertCanUnpause } from "./state.ts";

export function setContainerPaused(engine: Engine, ref: string, paused: boolean): void {
  const id = engine.containers.resolve(ref);
  engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    const state = isProcessAlive(r.State.Pid, r.PidStartTime) ? r.State : { ...r.State, Running: false, Paused: false };
    if (paused) assertCanPause(id, state);
    else assertCanUnpause(id, state);
    freezeCgroup(cgroupPath(id), paused);
    engine.containers.setPaused(id, paused);
    containerEvent(engine, r, paused ? "pause" : "unpause");
  });
}
