// Waiting for, and causing, a running container's exit: `wait`, `stop`, `kill`.
// The container is the monitor's child, not ours, so its exit is learnt from
// the monitor: a client on its socket gets the exit code once it is recorded.
import { existsSync } from "node:fs";
import { kill } from "../../ffi/native.ts";
import { BunkerError, ConflictError } from "../lib/errors.ts";
import { watchUntil } from "../lib/watch-until.ts";
import { readEvents } from "../events/read.ts";
import { exitCodeFrom, socketConnection } from "../runtime/attach-stream.ts";
import { freezeCgroup } from "../runtime/cgroups.ts";
import type { LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { SIGKILL, SIGTERM, signalNumber } from "./signals.ts";
import { isProcessAlive, refreshState } from "./start-container.ts";

const DEFAULT_STOP_TIMEOUT = 10;

const isUp = (r: LoadedRecord) => r.State.Status === "running" || r.State.Status === "paused";

/**
 * Resolves once the container's current run has ended and been recorded, with
 * its exit code (as the monitor sent it) and the refreshed record. Connects
 * before returning, so an exit caused after this call is never missed.
 */
export async function exitOf(engine: Engine, record: LoadedRecord): Promise<() => Promise<{ code: number; record: LoadedRecord }>> {
  const conn = isUp(record) ? await socketConnection(engine.containers.socketPath(record.Id)) : null;
  const ended = conn ? exitCodeFrom(conn).finally(() => conn.close()) : untilGone(record);
  return async () => {
    const code = await ended;
    const after = refreshState(engine, engine.containers.load(record.Id));
    return { code: code ?? after.State.ExitCode, record: after };
  };
}

/** Without a monitor to tell us (it died), the process is watched until it is gone. */
async function untilGone(record: LoadedRecord): Promise<null> {
  while (isProcessAlive(record.State.Pid, record.PidStartTime)) await Bun.sleep(20);
  return null;
}

function current(engine: Engine, ref: string): LoadedRecord {
  const id = engine.containers.resolve(ref);
  return refreshState(engine, engine.containers.load(id));
}

/** Marks a container stopped by its user, so no restart policy brings it back; a pending restart is called off. */
function markManuallyStopped(engine: Engine, id: string): void {
  engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    if (r.State.Status === "restarting") r.State = { ...r.State, Status: "exited", Restarting: false };
    if (r.ManuallyStopped && !r.State.Restarting) return;
    r.ManuallyStopped = true;
    // The running state lives in the run file: save() keeps the persisted part only.
    engine.containers.save({ ...r, State: r.State.Running ? { ...r.State, Running: false, Paused: false, Status: "exited" } : r.State });
  });
}

function thaw(engine: Engine, id: string): void {
  engine.containers.withLock(id, () => {
    freezeCgroup(cgroupPath(id), false);
    engine.containers.setPaused(id, false);
  });
}

/** `stop`: the stop signal, then SIGKILL after the timeout (seconds; negative waits forever). False if it was not running. */
export async function stopContainer(engine: Engine, ref: string, timeout?: number, signal?: string): Promise<boolean> {
  const record = current(engine, ref);
  markManuallyStopped(engine, record.Id);
  if (!isUp(record)) return false;
  const ended = await exitOf(engine, record);
  const sig = signalNumber(signal ?? record.Config.StopSignal ?? "SIGTERM") ?? SIGTERM;
  const seconds = timeout ?? record.Config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
  containerEvent(engine, record, "kill", { signal: String(sig) });
  kill(record.State.Pid, sig);
  if (record.State.Paused) thaw(engine, record.Id); // a frozen task takes the signal once thawed, as docker's stop does
  const done = ended();
  if (seconds >= 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), seconds * 1000)))]);
    clearTimeout(timer);
    if (timedOut) {
      containerEvent(engine, record, "kill", { signal: String(SIGKILL) });
      kill(record.State.Pid, SIGKILL);
    }
  }
  await done;
  containerEvent(engine, record, "stop");
  return true;
}

/** `restart`: stop, start again, and docker's restart event. */
export async function restartContainer(engine: Engine, ref: string, timeout?: number, signal?: string): Promise<void> {
  await stopContainer(engine, ref, timeout, signal);
  const id = engine.containers.resolve(ref);
  const { startContainer } = await import("./start-container.ts");
  await startContainer(engine, id, { attach: false, interactive: false });
  containerEvent(engine, engine.containers.load(id), "restart");
}

/** `kill`: sends a signal (SIGKILL by default) and returns at once, as docker does. */
export function killContainer(engine: Engine, ref: string, signal = "KILL"): void {
  const sig = signalNumber(signal);
  if (sig === undefined) throw new BunkerError(`invalid signal: ${signal}`);
  const record = current(engine, ref);
  if (record.State.Paused) throw new ConflictError(`cannot kill container: ${ref}: container ${record.Id} is paused. Unpause the container before stopping or killing`);
  if (record.State.Status !== "running") throw new ConflictError(`cannot kill container: ${ref}: container ${record.Id} is not running`);
  // Docker's rule: a kill calls the restart policy off, unless the container has a stop signal of its own and this is another signal.
  const stopSignal = record.Config.StopSignal ? signalNumber(record.Config.StopSignal) : undefined;
  if (sig === SIGKILL || stopSignal === undefined || sig === stopSignal) markManuallyStopped(engine, record.Id);
  if (!isProcessAlive(record.State.Pid, record.PidStartTime) || !kill(record.State.Pid, sig)) {
    throw new ConflictError(`cannot kill container: ${ref}: container ${record.Id} is not running`);
  }
  containerEvent(engine, record, "kill", { signal: String(sig) });
}

/** `kill` as dockerd answers it: with SIGKILL, once the container has stopped, so a client may remove it next. */
export async function killContainerAndWait(engine: Engine, ref: string, signal = "KILL"): Promise<void> {
  const record = current(engine, ref);
  const ended = signalNumber(signal) === SIGKILL && record.State.Status === "running" ? await exitOf(engine, record) : undefined;
  killContainer(engine, ref, signal);
  await ended?.();
}

export type WaitCondition = "not-running" | "next-exit" | "removed";

/**
 * `wait`: the exit code of the container's current run (or, not running, its last one).
 * "next-exit" waits for a run to end, the next one when it is not running (the docker
 * CLI's run waits before it starts); "removed" also waits until the container is gone.
 * SIGNAL gives up (the API's client went away).
 */
export async function waitContainer(engine: Engine, ref: string, condition: WaitCondition = "not-running", signal?: AbortSignal): Promise<number> {
  const id = engine.containers.resolve(ref);
  // The journal's position is taken before the record is read, so an end between the two is not missed.
  const ends = condition === "not-running" ? undefined : containerEnds(engine, id, signal);
  try {
    const record = current(engine, ref);
    if (isUp(record)) {
      const code = (await (await exitOf(engine, record))()).code;
      if (condition === "removed") await removal(engine, record.Id);
      return code;
    }
    return ends ? await ends.next(record.State.ExitCode, condition === "next-exit") : record.State.ExitCode;
  } finally {
    ends?.stop();
  }
}

/** A container's die (with its exit code) and destroy events from now on, read from the journal as they come. */
function containerEnds(engine: Engine, id: string, signal?: AbortSignal) {
  const stopper = new AbortController();
  const onAbort = () => stopper.abort();
  signal?.addEventListener("abort", onAbort);
  const events = readEvents(engine.dirs.root, { signal: stopper.signal, filter: (e) => e.Type === "container" && e.Actor.ID === id && (e.Action === "die" || e.Action === "destroy") });
  const first = events.next(); // opens the journal at its end
  return {
    /** The exit code at the next die (atDie), or the last one before the destroy; CODE if none came. */
    async next(code: number, atDie: boolean): Promise<number> {
      for (let r = await first; !r.done; r = await events.next()) {
        if (r.value.Action === "destroy") return code;
        code = Number(r.value.Actor.Attributes.exitCode ?? code);
        if (atDie) return code;
      }
      throw new BunkerError(`stopped waiting for container ${id}`);
    },
    stop() {
      signal?.removeEventListener("abort", onAbort);
      stopper.abort();
      void first.then(() => events.return(undefined));
    },
  };
}

/** Resolves when the container's directory is gone, watching the store rather than polling it. */
function removal(engine: Engine, id: string): Promise<void> {
  return watchUntil(engine.containers.dir, () => !existsSync(engine.containers.path(id)));
}
