// `rm`: kill if forced, then remove the writable layer, cgroup and record.
import { readFileSync } from "node:fs";
import { kill } from "../../ffi/native.ts";
import { ConflictError } from "../lib/errors.ts";
import { cgroupPids, freezeCgroup, removeCgroup } from "../runtime/cgroups.ts";
import { refreshPeers, releaseNetwork, userNetworkIds } from "./container-network.ts";
import type { Engine } from "./engine.ts";
import { cgroupPath } from "./runtime-spec.ts";
import type { LoadedRecord } from "./container-store.ts";
import { isProcessAlive, processStartTime, readExitFile } from "./start-container.ts";
import { SIGKILL } from "./signals.ts";
import { canRemove } from "./state.ts";
import { trace } from "../lib/trace.ts";
import { removeAnonymousVolumes } from "./volumes.ts";
import { containerEvent, runEnded } from "./events.ts";

function waitGone(pid: number, startTime: number | null | undefined): void {
  // The process is not our child, so it cannot be waited for; its /proc entry disappears once it has been reaped.
  for (let i = 0; i < 2000 && isProcessAlive(pid, startTime); i++) Bun.sleepSync(1);
}

/** The container's monitor, if one still runs: from the run file, or from the exit file once the run is recorded. */
function monitorOf(engine: Engine, r: LoadedRecord): number | null {
  const pid = r.MonitorPid ?? readExitFile(engine, r)?.MonitorPid;
  if (!pid || pid === process.pid) return null; // `container cleanup` removing its own container
  try {
    // The id in its command line (the monitor's, or `container cleanup`'s after its exec) rules out a recycled pid.
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(r.Id) ? pid : null;
  } catch {
    return null;
  }
}

/**
 * A start cut short (its CLI killed before it recorded the pid) leaves processes no record names:
 * the cgroup holds them. Kills each and waits until it is gone; returns how many there were.
 */
export function killCgroupProcesses(id: string): number {
  const strays = cgroupPids(cgroupPath(id)).map((pid) => [pid, processStartTime(pid)] as const);
  for (const [pid] of strays) kill(pid, SIGKILL);
  for (const [pid, startTime] of strays) waitGone(pid, startTime);
  return strays.length;
}

/** Kills a container's init, then its monitor once that has reaped it: nothing of the container outlives `rm -f`. */
function killProcesses(engine: Engine, r: LoadedRecord, initAlive: boolean): void {
  if (initAlive) {
    kill(r.State.Pid, SIGKILL);
    // A frozen task takes its SIGKILL only once thawed (v1 freezer).
    if (r.State.Paused) freezeCgroup(cgroupPath(r.Id), false);
    waitGone(r.State.Pid, r.PidStartTime);
  }
  killCgroupProcesses(r.Id);
  const monitor = monitorOf(engine, r);
  if (monitor) {
    const startTime = processStartTime(monitor);
    kill(monitor, SIGKILL);
    waitGone(monitor, startTime);
  }
}

/**
 * `volumes` (`rm -v`, `run --rm`): the container's anonymous volumes go too, after it.
 * `exited` (`run --rm`): its init and monitor have exited, so the kernel is already
 * tearing down its network namespace, veths included; rm need not wait for that.
 */
export function removeContainer(engine: Engine, id: string, opts: { force: boolean; volumes?: boolean; exited?: boolean }): void {
  const removed = engine.containers.withLock(id, () => {
    const r: LoadedRecord = engine.containers.load(id);
    const alive = isProcessAlive(r.State.Pid, r.PidStartTime);
    if (alive && !canRemove(r.State, opts.force)) {
      const what = r.State.Paused ? "paused: unpause and then stop" : "running: stop";
      throw new ConflictError(`cannot remove container "${r.Name}": container is ${what} the container before removing or force remove`);
    }
    if (alive) containerEvent(engine, r, "kill", { signal: String(SIGKILL) });
    killProcesses(engine, r, alive);
    // A run not yet recorded: its monitor wrote its die before its exit file, unless it was killed first.
    const dieMissing = r.State.Running && !readExitFile(engine, r);
    removeCgroup(cgroupPath(id));
    releaseNetwork(r, { deleteLinks: !opts.exited });
    engine.containers.remove(r);
    if (dieMissing) containerEvent(engine, r, "die", { exitCode: "137" });
    if (r.State.Running) runEnded(engine, r);
    containerEvent(engine, r, "destroy");
    refreshPeers(engine, userNetworkIds(r)); // once it is gone from the list
    trace("container removed");
    return r;
  });
  // Outside the container lock: the volumes lock is never taken while holding a container's.
  if (opts.volumes) removeAnonymousVolumes(engine, removed);
}
