// Starting a container: bundle, cgroup, and its monitor (which launches it);
// when attached, relaying its I/O until it exits. Also reading back what the
// monitor recorded when the container exited.
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { close } from "../../ffi/native.ts";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { SECRET_FILE_MODE } from "../lib/modes.ts";
import { crashPoint } from "../lib/crash-point.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { isProcessAlive, processStartTime } from "../lib/process.ts";
import { trace } from "../lib/trace.ts";
import { DEFAULT_DETACH_KEYS, fdConnection, type MonitorConnection, relay, type RelayResult } from "../runtime/attach-stream.ts";
import { cgroupOomKilled, cgroupPids, createCgroup, hostCgroups, removeCgroup } from "../runtime/cgroups.ts";
import { forwardSignals, launch } from "../runtime/launch.ts";
import { type MonitorOptions, monitorExecutable } from "../runtime/monitor.ts";
import { terminalSize } from "../runtime/pty.ts";
import type { ContainerRecord, ExitFile, LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { linkAdditions } from "./container-links.ts";
import { journalPath } from "../events/journal.ts";
import { dieAttributes, containerEvent, runEnded, runStarted } from "./events.ts";
import { dnsNamesFile } from "./dns-names.ts";
import { etcExtras, type PreparedNetwork, prepareNetwork, refreshPeers, releaseNetwork, userNetworkIds } from "./container-network.ts";
import { withLive } from "../network/settings.ts";
import { writeEtcFiles } from "./etc-files.ts";
import { probeCommand, probeInterval, probeStartInterval } from "./health.ts";
import { logFileName } from "./json-log.ts";
import { logAttributes, logOptions } from "./log-config.ts";
import { removeContainer } from "./remove-container.ts";
import { wantsRestart } from "./restart-policy.ts";
import { buildRuntimeSpec, cgroupPath } from "./runtime-spec.ts";
import { prepareSecurity } from "./security.ts";
import { assertCanStart, type ContainerState, toExited, toRunning } from "./state.ts";
import { chownForUserns } from "./userns.ts";

const ETC_FILES = ["hostname", "hosts", "resolv.conf"];
const EXIT_FILE = "exit";

export interface StartOptions {
  attach: boolean;
  interactive: boolean;
  /** Bytes that detach an attached terminal (docker's --detach-keys). */
  detachKeys?: number[];
  /** A restart policy's restart: called off if the container is no longer "restarting" (stopped or started meanwhile). */
  restart?: boolean;
  /** Attached: the container's output goes here rather than to our stdout/stderr (see RelayOptions). */
  output?: (fd: number, data: Buffer) => void;
  /**
   * Attached to another consumer than our terminal (an API client): it gets the monitor's
   * owner connection, from before the container's first byte, and relays it until the end.
   */
  relay?: (conn: MonitorConnection, record: LoadedRecord) => Promise<RelayResult>;
}

export { isProcessAlive, processStartTime } from "../lib/process.ts";

interface Started {
  record: LoadedRecord;
  /** Our end of the monitor's owner socket. */
  owner: number;
}

/** What the monitor needs of --log-driver/--log-opt: json-file by default; `none` keeps no log. */
function logSettings(engine: Engine, record: ContainerRecord): { log: string; logMaxSize: number; logMaxFile: number; logAttrs: string } {
  const opts = logOptions(record);
  const log = opts.driver === "none" ? "" : engine.containers.path(record.Id, logFileName(record.Id));
  const attrs = Object.keys(logAttributes(record)).length ? JSON.stringify(logAttributes(record)) : "";
  if (attrs.length > 4000) throw new BunkerError("the log attributes chosen with --log-opt labels/env exceed 4000 bytes: name fewer labels or variables");
  return { log, logMaxSize: opts.maxSize, logMaxFile: opts.maxFile, logAttrs: attrs };
}

/** The size an API client asked for its TTY (HostConfig.ConsoleSize), if any. */
function consoleSize(record: ContainerRecord): { rows: number; cols: number } | undefined {
  const [rows, cols] = record.HostConfig.ConsoleSize ?? [];
  return rows && cols ? { rows, cols } : undefined;
}

/** When the monitor runs `healthcheck run` (an interval of 0: no health check). */
function healthSchedule(record: ContainerRecord): MonitorOptions["health"] {
  const check = record.Config.Healthcheck;
  if (!check || !probeCommand(check)) return { intervalMs: 0, startIntervalMs: 0, startPeriodMs: 0 };
  const ms = (ns: number) => Math.round(ns / 1e6);
  return { intervalMs: ms(probeInterval(check)), startIntervalMs: ms(probeStartInterval(check)), startPeriodMs: ms(check.StartPeriod ?? 0) };
}

function launchLocked(engine: Engine, id: string, monitor: string, opts: StartOptions): Started | null {
  return engine.containers.withLock(id, () => {
    // A run that has just ended is recorded first: `start` right after it exits must not be told it still runs.
    const record: LoadedRecord = recordExit(engine, settleInterruptedStart(engine, engine.containers.load(id)));
    const restarting = record.State.Status === "restarting";
    if (opts.restart && !restarting) return null;
    if (!restarting) assertCanStart(record.Name.slice(1), record.State);
    refuseUnrecordedRun(record);
    const net = prepareNetwork(engine, record);
    record.NetworkSettings = withLive(record.NetworkSettings, net.live);
    trace("network attached");
    try {
      return launchPrepared(engine, record, monitor, opts, net);
    } catch (e) {
      releaseNetwork(record);
      throw e;
    } finally {
      net.done();
    }
  });
}

/**
 * A monitor left by a killed start with no container yet either clones it within moments
 * or gives up (its CLI, and so its program, is gone): a retry right after the kill waits
 * for which, rather than failing.
 */
function settleInterruptedStart(engine: Engine, r: LoadedRecord): LoadedRecord {
  for (let i = 0; i < 400 && r.Starting && !r.State.Running && r.MonitorPid && isProcessAlive(r.MonitorPid, r.MonitorStartTime); i++) {
    Bun.sleepSync(5);
    r = engine.containers.load(r.Id);
  }
  return r;
}

/**
 * Never a second init beside a first: a start killed before it recorded the pid can leave its
 * monitor still starting the container, or processes in its cgroup (docs/storage.md, Crash windows).
 */
function refuseUnrecordedRun(r: LoadedRecord): void {
  const name = r.Name.slice(1);
  if (r.MonitorPid && isProcessAlive(r.MonitorPid, r.MonitorStartTime)) {
    throw new BunkerError(`container ${name} is still being started by the monitor (pid ${r.MonitorPid}) of an interrupted start: try again, or run "bunker system check --repair"`);
  }
  const pids = cgroupPids(cgroupPath(r.Id));
  if (pids.length > 0) {
    throw new BunkerError(`container ${name}'s cgroup still holds processes (${pids.join(", ")}) of an interrupted start: run "bunker system check --repair", or remove it with "bunker rm -f ${name}"`);
  }
}

function launchPrepared(engine: Engine, record: LoadedRecord, monitor: string, opts: StartOptions, net: PreparedNetwork): Started {
  const id = record.Id;
  const restarting = record.State.Status === "restarting";
  const dir = engine.containers.path(id);
  // The running containers, read only when a link needs them.
  const running = record.HostConfig.Links ? engine.containers.list().filter((c) => c.State.Running) : [];
  const links = linkAdditions(record, running);
  const upstream = writeEtcFiles(dir, record.Config.Hostname, record.HostConfig.NetworkMode, etcExtras(record, links.hosts));
  const etcOf = net.etcOf;
  if (etcOf) for (const f of ["hosts", "resolv.conf"]) copyFileSync(join(etcOf, f), join(dir, f));
  if (record.HostConfig.UidMap) chownForUserns(record.HostConfig, ETC_FILES.map((f) => join(dir, f)));
  const spec = buildRuntimeSpec(engine, record, monitor, net.path, links.env);
  trace("runtime spec built");
  // Regenerated at every start; root's alone, as its process.env holds the `-e` values.
  writeJsonAtomic(engine.containers.path(id, "config.json"), spec, { durable: false, mode: SECRET_FILE_MODE });
  trace("bundle written");
  rmSync(join(dir, EXIT_FILE), { force: true }); // the last run's
  const cgroup = createCgroup(cgroupPath(id), hostCgroups(), spec.linux.resources);
  trace("cgroup created");
  const policy = record.HostConfig.RestartPolicy?.Name ?? "no";
  // Before the launch: a container that exits at once has its monitor write its die, which must come after.
  runStarted(engine, record);
  let started: ReturnType<typeof launch> | undefined;
  try {
    crashPoint("start.before-launch");
    started = launch(spec, {
      cgroup,
      size: consoleSize(record) ?? terminalSize(),
      cacheDir: engine.dirs.cache,
      monitor,
      monitorOptions: {
        id,
        dir,
        ...logSettings(engine, record),
        events: journalPath(engine.dirs.root),
        eventAttrs: dieAttributes(record),
        socket: engine.containers.socketPath(id),
        stdin: record.Config.OpenStdin,
        health: healthSchedule(record),
        cleanup: policy !== "no" && policy !== "" ? "always" : record.HostConfig.AutoRemove ? "unowned" : "never",
        attached: opts.attach || opts.relay !== undefined,
        root: engine.dirs.root,
        runRoot: engine.dirs.runRoot,
        cacheDir: engine.dirs.cache,
        // The container's own line reaches the names file only after it runs: its networks come along.
        dns: upstream ? { names: dnsNamesFile(engine.dirs.runRoot), upstream, networks: Object.values(record.NetworkSettings?.Networks ?? {}).flatMap((n) => (n?.NetworkID ? [n.NetworkID] : [])) } : null,
      },
      // Recorded before the container exists, so a start killed from here on still names its monitor.
      monitorSpawned: (monitorPid) => {
        const network = net.live ? { Network: net.live } : {};
        engine.containers.markStarting(id, { StartedAt: new Date().toISOString(), MonitorPid: monitorPid, MonitorStartTime: processStartTime(monitorPid), ...network });
        crashPoint("start.monitor-recorded");
      },
    });
    trace("container launched");
    crashPoint("start.after-launch");
    // Saved only when they change: an ordinary start writes nothing durable. Each run's health starts over.
    const countsChanged = restarting || record.RestartCount !== 0 || record.ManuallyStopped || record.State.Health !== undefined;
    record.RestartCount = restarting ? record.RestartCount + 1 : 0;
    record.ManuallyStopped = false;
    record.State = { ...record.State, Health: undefined };
    if (countsChanged) engine.containers.save({ ...record, State: { ...record.State, Status: "exited", Restarting: false } });
    record.State = toRunning(record.State, started.pid);
    record.PidStartTime = processStartTime(started.pid);
    engine.containers.markRunning(id, {
      Pid: started.pid,
      PidStartTime: record.PidStartTime,
      StartedAt: record.State.StartedAt,
      MonitorPid: started.monitorPid,
      MonitorStartTime: processStartTime(started.monitorPid),
      ...(net.live ? { Network: net.live } : {}),
    });
    trace("running state saved");
    crashPoint("start.after-record");
  } catch (e) {
    // Once launched it runs whatever failed after: its run file names it, and `system check --repair` adopts it.
    if (started) throw e;
    engine.containers.clearRunning(id); // the monitor's, if it got that far: nothing runs
    removeCgroup(cgroupPath(id));
    containerEvent(engine, record, "die", { exitCode: String(e instanceof BunkerError ? e.exitCode : 125) }); // as docker's failed start
    runEnded(engine, record);
    if (e instanceof BunkerError) {
      // As docker: a container that failed to start stays "created", with the reason recorded.
      record.State = { ...record.State, ExitCode: e.exitCode, Error: e.message };
      engine.containers.save(record);
    }
    throw e;
  }
  refreshPeers(engine, userNetworkIds(record));
  return { record, owner: started!.owner };
}

/**
 * Records as running a container whose start was killed after its monitor had started it
 * (load finds its init in its cgroup as the monitor's child); returns it, or null when there
 * is no such start (any more).
 */
export function adoptInterruptedStart(engine: Engine, id: string): LoadedRecord | null {
  return engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    if (!r.Starting || !isProcessAlive(r.State.Pid, r.PidStartTime)) return null;
    engine.containers.recordStarted(id, r.State.Pid, r.PidStartTime ?? null);
    refreshPeers(engine, userNetworkIds(r));
    return engine.containers.load(id);
  });
}

/** Starts a created or exited container. With attach, relays its I/O and returns its exit code once it exits (0 if detached from). */
export async function startContainer(engine: Engine, id: string, opts: StartOptions): Promise<number> {
  // Outside the lock and before any cgroup exists: may compile a seccomp filter the first time.
  const [, monitor] = await Promise.all([prepareSecurity(engine.containers.load(id), engine.dirs.cache), monitorExecutable(engine.dirs.cache)]);
  const signals = opts.attach ? forwardSignals() : undefined;
  let started: Started | null;
  try {
    started = launchLocked(engine, id, monitor, opts);
  } catch (e) {
    signals?.stop();
    // A --rm container that failed to launch is removed; one that was already running is left alone.
    const record = safeLoad(engine, id);
    if (record?.HostConfig.AutoRemove && !record.State.Running) removeContainer(engine, id, { force: true, volumes: true });
    throw e;
  }
  if (!started) return 0;
  const { record, owner } = started;
  if (opts.relay) {
    const result = await opts.relay(fdConnection(owner), record);
    return "detached" in result ? 0 : finishContainer(engine, id, result.exitCode);
  }
  if (!signals) {
    close(owner); // detached: the monitor carries on alone
    return 0;
  }
  signals.attach(record.State.Pid);
  const result = await relay(fdConnection(owner), {
    stdin: opts.interactive,
    tty: record.Config.Tty,
    closeStdinOnEof: record.Config.StdinOnce || !opts.interactive,
    detachKeys: opts.detachKeys ?? DEFAULT_DETACH_KEYS,
    output: opts.output,
  });
  trace("container exited");
  signals.stop();
  if ("detached" in result) return 0;
  return finishContainer(engine, id, result.exitCode);
}

function safeLoad(engine: Engine, id: string): ContainerRecord | undefined {
  try {
    return engine.containers.load(id);
  } catch {
    return undefined;
  }
}

/**
 * Removes the cgroup of an exited container, unless a process that is not the
 * container's still holds it (the container's own died with its pid namespace;
 * this one was moved in from outside): the exit is recorded all the same, and
 * `rm` or `system check --repair` ends that process and removes the cgroup.
 */
function releaseCgroup(id: string): void {
  if (cgroupPids(cgroupPath(id)).length === 0) removeCgroup(cgroupPath(id));
}

export type { ExitFile } from "./container-store.ts";

/** What the monitor wrote when the container's init exited (of the last run, unless `record` names this run's pid). */
export function readExitFile(engine: Engine, record: ContainerRecord): ExitFile | null {
  const exit = engine.containers.readExit(record.Id);
  return exit && (!record.State.Pid || exit.Pid === record.State.Pid) ? exit : null;
}

/**
 * The state a running container's record moves to once its init has exited:
 * "exited" (or "restarting", when its policy says so), with the code its
 * monitor recorded. Null while it runs, and until the monitor has written that
 * code; a container whose monitor died too gets 255. Reads only.
 */
function exitedState(engine: Engine, r: LoadedRecord): ContainerState | null {
  if (r.State.Status !== "running" && r.State.Status !== "paused") return null;
  if (isProcessAlive(r.State.Pid, r.PidStartTime)) return null;
  const exit = readExitFile(engine, r);
  if (!exit && r.MonitorPid && isProcessAlive(r.MonitorPid, r.MonitorStartTime)) return null; // it is writing it now
  const code = exit?.ExitCode ?? 255;
  // The kernel's OOM kill count lives in the cgroup, so it is read before the cgroup goes (the code, 137, is the SIGKILL's).
  const state = { ...toExited(r.State, code, exit ? "" : "container process exited while its monitor was not running"), OOMKilled: cgroupOomKilled(cgroupPath(r.Id)) };
  if (exit) state.FinishedAt = exit.FinishedAt;
  return wantsRestart(r, code) ? { ...state, Status: "restarting", Restarting: true } : state;
}

/** Records the exit exitedState finds. Call under the container's lock. */
function recordExit(engine: Engine, r: LoadedRecord): LoadedRecord {
  const state = exitedState(engine, r);
  if (!state) return r;
  r.State = state;
  engine.containers.save(r); // the exit first, then the run file: see ContainerStore.load
  engine.containers.clearRunning(r.Id);
  if (state.OOMKilled) containerEvent(engine, r, "oom");
  runEnded(engine, r);
  releaseNetwork(r, { deleteLinks: false }); // its namespace died with its processes: the kernel removes the veths
  refreshPeers(engine, userNetworkIds(r));
  releaseCgroup(r.Id);
  return r;
}

/** Records the exit of an attached container (`code`: what its monitor sent), or removes it (--rm); returns its exit code. */
export function finishContainer(engine: Engine, id: string, code: number | null): number {
  try {
    if (code !== null && engine.containers.load(id).HostConfig.AutoRemove) {
      // Nothing to record: the record goes. Its exited namespace's veth is left to the kernel, which removes it with the namespace.
      removeContainer(engine, id, { force: true, volumes: true, exited: true });
      return code;
    }
    const r = engine.containers.withLock(id, () => recordExit(engine, engine.containers.load(id)));
    return r.State.ExitCode;
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e; // removed meanwhile (rm -f)
    return 137;
  }
}

/**
 * The record brought up to date under the container's lock, so a start still
 * under way (its run file not yet written) is waited for rather than missed:
 * what `container cleanup` needs, which may run the moment the container exits.
 */
export function settledState(engine: Engine, id: string): LoadedRecord {
  return engine.containers.withLock(id, () => recordExit(engine, engine.containers.load(id)));
}

/** The record as it truly stands: with an exit its monitor wrote but nobody recorded yet. Reads only. */
export function observedState(engine: Engine, record: LoadedRecord): LoadedRecord {
  const state = exitedState(engine, record);
  return state ? { ...record, State: state } : record;
}

/**
 * What a reader (`ps`, `inspect`, `stats`) shows: observedState. Recording an
 * exit found there is left to whoever can: tried here, but never waited for
 * (another holds the container's lock) and never failing the read (a full
 * disk, the container removed meanwhile). The next command that can records
 * it: a reader, start, rm, `system check --repair`.
 */
export function refreshState(engine: Engine, record: LoadedRecord): LoadedRecord {
  const state = exitedState(engine, record);
  if (!state) return record;
  try {
    const recorded = engine.containers.withLockIfFree(record.Id, () => recordExit(engine, engine.containers.load(record.Id)));
    if (recorded) return recorded;
  } catch {
    // shown as found, below
  }
  return { ...record, State: state };
}
