// Starting a container: bundle, cgroup, launch, and (when attached) waiting
// for it while passing on signals and terminal I/O.
import { openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { close, receiveFd, socketPair } from "../../ffi/native.ts";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { cgroupOomKilled, createCgroup, hostCgroups, removeCgroup } from "../runtime/cgroups.ts";
import { forwardSignals, launch, waitForExit } from "../runtime/launch.ts";
import type { Stdio } from "../runtime/program.ts";
import { relayPty, terminalSize } from "../runtime/pty.ts";
import type { ContainerRecord, LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { writeEtcFiles } from "./etc-files.ts";
import { chownForUserns } from "./userns.ts";
import { removeContainer } from "./remove-container.ts";
import { prepareSecurity } from "./security.ts";
import { buildRuntimeSpec, cgroupPath } from "./runtime-spec.ts";
import { assertCanStart, toExited, toRunning } from "./state.ts";
import { trace } from "../lib/trace.ts";

const ETC_FILES = ["hostname", "hosts", "resolv.conf"];

export interface StartOptions {
  attach: boolean;
  interactive: boolean;
}

/**
 * The start time of a live process (clock ticks since boot), so a recycled pid
 * is never mistaken for our container. A zombie counts as gone: it has exited,
 * and only its parent's wait is missing.
 */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? null : Number(fields[19]);
  } catch {
    return null;
  }
}

/** Whether the process recorded as a container's init is still that process (not a recycled pid). */
export function isProcessAlive(pid: number, startTime: number | null | undefined): boolean {
  return pid > 0 && startTime != null && processStartTime(pid) === startTime;
}

interface Started {
  record: LoadedRecord;
  /** The master side of the container's terminal, with -t. */
  console?: number;
}

function launchLocked(engine: Engine, id: string, opts: StartOptions): Started {
  return engine.containers.withLock(id, () => {
    const record: LoadedRecord = engine.containers.load(id);
    assertCanStart(record.Name.slice(1), record.State);
    const dir = engine.containers.path(id);
    writeEtcFiles(dir, record.Config.Hostname, record.HostConfig.NetworkMode);
    if (record.HostConfig.UidMap) chownForUserns(record.HostConfig, ETC_FILES.map((f) => join(dir, f)));
    const spec = buildRuntimeSpec(engine, record);
    trace("runtime spec built");
    writeJsonAtomic(engine.containers.path(id, "config.json"), spec, { durable: false }); // regenerated at every start
    trace("bundle written");
    const cgroup = createCgroup(cgroupPath(id), hostCgroups(), spec.linux.resources);
    trace("cgroup created");

    let stdio: Stdio;
    const opened: number[] = [];
    let consoleSocket: number | undefined;
    if (record.Config.Tty) {
      const [ours, theirs] = socketPair();
      consoleSocket = ours;
      opened.push(ours, theirs);
      stdio = { consoleSocket: theirs, ...terminalSize() };
    } else if (opts.attach) {
      stdio = { stdin: opts.interactive ? 0 : track(opened, openSync("/dev/null", "r")), stdout: 1, stderr: 2 };
    } else {
      // Detached without a monitor yet: output goes to the container's log file.
      const log = track(opened, openSync(engine.containers.path(id, "container.log"), "a"));
      stdio = { stdin: track(opened, openSync("/dev/null", "r")), stdout: log, stderr: log };
    }
    try {
      const pid = launch(spec, { cgroup, stdio, cacheDir: engine.dirs.cache });
      // The child sent its terminal's master before exec, so it is already queued on the socket.
      const console = consoleSocket === undefined ? undefined : receiveFd(consoleSocket);
      trace("container launched");
      record.State = toRunning(record.State, pid);
      record.PidStartTime = processStartTime(pid);
      engine.containers.markRunning(id, { Pid: pid, PidStartTime: record.PidStartTime, StartedAt: record.State.StartedAt });
      trace("running state saved");
      return { record, console };
    } catch (e) {
      removeCgroup(cgroupPath(id));
      if (e instanceof BunkerError) {
        // As docker: a container that failed to start stays "created", with the reason recorded.
        record.State = { ...record.State, ExitCode: e.exitCode, Error: e.message };
        engine.containers.save(record);
      }
      throw e;
    } finally {
      for (const fd of opened) close(fd);
    }
  });
}

function track(list: number[], fd: number): number {
  list.push(fd);
  return fd;
}

/** Starts a created or exited container. With attach, waits and returns its exit code. */
export async function startContainer(engine: Engine, id: string, opts: StartOptions): Promise<number> {
  // Outside the lock and before any cgroup exists: may compile a seccomp filter the first time.
  await prepareSecurity(engine.containers.load(id), engine.dirs.cache);
  const signals = opts.attach ? forwardSignals() : undefined;
  let started: Started;
  try {
    started = launchLocked(engine, id, opts);
  } catch (e) {
    signals?.stop();
    // A --rm container that failed to launch is removed; one that was already running is left alone.
    const record = safeLoad(engine, id);
    if (record?.HostConfig.AutoRemove && !record.State.Running) removeContainer(engine, id, { force: true, volumes: true });
    throw e;
  }
  if (!signals) return 0;
  const { record, console } = started;
  signals.attach(record.State.Pid);
  const relay = console !== undefined ? relayPty(console, opts.interactive) : Promise.resolve();
  const exit = await waitForExit(record.State.Pid);
  trace("container exited");
  await relay;
  signals.stop();
  finishContainer(engine, id, exit.code, record.HostConfig.AutoRemove);
  return exit.code;
}

function safeLoad(engine: Engine, id: string): ContainerRecord | undefined {
  try {
    return engine.containers.load(id);
  } catch {
    return undefined;
  }
}

/**
 * Removes the cgroup of an exited container, saying whether the kernel's OOM
 * killer struck in it: the counter lives in the cgroup, so it is read first.
 * (The exit code, 137, already comes from the kernel's SIGKILL.)
 */
function releaseCgroup(id: string): boolean {
  const oomKilled = cgroupOomKilled(cgroupPath(id));
  removeCgroup(cgroupPath(id));
  return oomKilled;
}

/** Records the exit and releases what only a running container needs; --rm removes the rest. */
export function finishContainer(engine: Engine, id: string, exitCode: number, autoRemove: boolean): void {
  try {
    if (autoRemove) {
      removeContainer(engine, id, { force: true, volumes: true }); // the cgroup goes with it
      return;
    }
    const oomKilled = releaseCgroup(id);
    engine.containers.withLock(id, () => {
      const r = engine.containers.load(id);
      r.State = { ...toExited(r.State, exitCode), OOMKilled: oomKilled };
      engine.containers.save(r); // the exit first, then the run file: see ContainerStore.load
      engine.containers.clearRunning(id);
    });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e; // removed meanwhile (rm -f)
  }
}

/**
 * A container marked running whose process is gone (its CLI was killed, or it
 * ran detached) is reported as exited. Until the monitor lands the real exit
 * code is unknown in that case.
 */
export function refreshState(engine: Engine, record: LoadedRecord): LoadedRecord {
  if (record.State.Status !== "running") return record;
  if (isProcessAlive(record.State.Pid, record.PidStartTime)) return record;
  return engine.containers.withLock(record.Id, () => {
    const r: LoadedRecord = engine.containers.load(record.Id);
    if (r.State.Status !== "running" || isProcessAlive(r.State.Pid, r.PidStartTime)) return r;
    const oomKilled = releaseCgroup(r.Id);
    r.State = { ...toExited(r.State, 255, "container process exited while no bunker process was watching it"), OOMKilled: oomKilled };
    engine.containers.save(r);
    engine.containers.clearRunning(r.Id);
    return r;
  });
}
