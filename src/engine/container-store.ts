// Containers on disk, one directory each, so parallel CLI invocations rarely
// contend:
//   containers/<id>/container.json  the record (Docker's inspect shape, mostly)
//   containers/<id>/config.json     the OCI runtime spec (the bundle)
//   containers/<id>/{upper,work,merged}  the overlay's writable layer
//   containers/<id>/{hostname,hosts,resolv.conf}
//   containers/.new-<pid>-<id>/     a container being created, renamed to <id> once whole
//   containers/.removing-<id>/      a container being deleted
//   names/<name> -> <id>            a symlink: creating it reserves the name atomically
//   names/.lock                     flock file: freeing a leftover name, rename, releasing a name
//   <run root>/containers/<id>.json a running container's pid: runtime state, gone after a reboot
//                                   (first written, with its monitor only, before the container exists: see markStarting)
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { syncDir, writeJsonAtomic } from "../lib/atomic.ts";
import { crashPoint } from "../lib/crash-point.ts";
import { BunkerError, ConflictError, NotFoundError } from "../lib/errors.ts";
import { withLock, withLockAsync, withLockIfFree } from "../lib/lock.ts";
import { makeDir, OPEN_DIR_MODE, PRIVATE_DIR_MODE, SECRET_FILE_MODE, STATE_DIR_MODE } from "../lib/modes.ts";
import { isProcessAlive, parentPid, processStartTime } from "../lib/process.ts";
import { spreadSubdirectories } from "../lib/spread-dirs.ts";
import { cgroupPids } from "../runtime/cgroups.ts";
import { type LiveNetwork, type NetworkSettings, withLive, withoutLive } from "../network/settings.ts";
import type { ContainerConfig, HostConfig } from "./container-create.ts";
import type { HealthConfig, HealthState } from "./health.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { type ContainerState, ZERO_TIME } from "./state.ts";

/** A container being created (create): renamed to `<id>` once whole. */
const NEW_PREFIX = ".new-";

export interface MountPoint {
  Type: "bind" | "volume" | "tmpfs";
  /** A volume's name (docker shows Name and Driver only for volumes). */
  Name?: string;
  Source: string;
  Destination: string;
  Mode: string;
  Driver?: string;
  RW: boolean;
  Propagation: string;
}

/** Fields that create always fills: required, and never null. */
type Filled<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** Fields that create sets to a value or to null (docker's inspect shows the null). */
type OrNull<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> | null };
/** Fields absent from older records, or left out when unset. */
type Optional<T, K extends keyof T> = Omit<T, K> & { [P in K]?: NonNullable<T[P]> };

/**
 * The stored Config is the API's Config (container-create.ts) with what create
 * decides filled in; records written before a field existed lack it.
 */
export type StoredConfig = Optional<
  OrNull<
    Filled<ContainerConfig, "Hostname" | "Domainname" | "User" | "AttachStdin" | "AttachStdout" | "AttachStderr" | "Tty" | "OpenStdin" | "StdinOnce" | "Env" | "WorkingDir" | "Labels">,
    "Cmd" | "Volumes" | "Entrypoint"
  >,
  "StopSignal" | "StopTimeout" | "Healthcheck" | "ExposedPorts" | "MacAddress"
>;

/** The stored HostConfig: the API's HostConfig likewise (sizes in bytes, NanoCpus in billionths of a CPU; 0, "" or null is "not set"). */
export type StoredHostConfig = OrNull<
  Filled<
    HostConfig,
    "NetworkMode" | "AutoRemove" | "Privileged" | "ReadonlyRootfs" | "Memory" | "MemorySwap" | "MemoryReservation" | "NanoCpus" | "CpuShares" | "CpusetCpus" | "CpusetMems" | "ShmSize" | "Devices"
  >,
  "Binds" | "Tmpfs" | "PidsLimit"
>;

export interface ContainerRecord {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string; // with docker's leading "/"
  RestartCount: number;
  /** Set by stop/kill so a restart policy leaves the container down (docker's HasBeenManuallyStopped; not shown by inspect). */
  ManuallyStopped?: boolean;
  Driver: string;
  Platform: string;
  Config: StoredConfig;
  HostConfig: StoredHostConfig;
  Mounts: MountPoint[];
  /** Which networks it is on (network/settings.ts); a running container's addresses and ports come from its run file. */
  NetworkSettings?: NetworkSettings;
}

/** What only a running container has; kept in the run root, which a reboot clears. */
export interface RunningState {
  Pid: number;
  /** The process's start time (clock ticks since boot), so a recycled pid is never taken for ours. */
  PidStartTime: number | null;
  StartedAt: string;
  /** The container's monitor (ffi/monitor.c), and its start time likewise. */
  MonitorPid?: number;
  MonitorStartTime?: number | null;
  /** Frozen by `pause` (its cgroup's freezer), until `unpause`. */
  Paused?: boolean;
  /** Its addresses and published ports (container-network.ts). */
  Network?: LiveNetwork;
  /**
   * Written (with Pid 0) once the monitor exists and before it is sent the container's program,
   * so a start killed before it recorded the pid still names the monitor: see load.
   */
  Starting?: boolean;
}

function warnUnreadable(id: string, e: Error): void {
  process.stderr.write(`WARNING: container ${id} is not listed: its record cannot be read (${e.message.split("\n")[0]}); see bunker system check\n`);
}

/** What the monitor writes to containers/<id>/exit when the container's init exits. */
export interface ExitFile {
  Pid: number;
  /** The monitor, which may still be running `container cleanup` under the same pid. */
  MonitorPid: number;
  ExitCode: number;
  FinishedAt: string;
}

export type LoadedRecord = ContainerRecord & {
  PidStartTime?: number | null;
  MonitorPid?: number;
  MonitorStartTime?: number | null;
  /** Its run file was left by a start that never recorded the pid (a killed CLI): `system check` reports it. */
  Starting?: boolean;
};

/** What container.json holds of a record: never the running state. */
function persisted(record: LoadedRecord): ContainerRecord {
  if (record.State.Running) throw new Error(`internal: saving container ${record.Id} while it runs`);
  const { PidStartTime: _, MonitorPid: _m, MonitorStartTime: _t, Starting: _s, ...persistent } = record;
  // A running container's addresses and ports live in its run file; one that is not running has none.
  if (persistent.NetworkSettings) persistent.NetworkSettings = withoutLive(persistent.NetworkSettings);
  return persistent;
}

export class ContainerStore {
  readonly dir: string;
  private readonly namesDir: string;
  /** Held to free a leftover name, to rename, and to release a name (see reserveTakenName). */
  private readonly namesLock: string;
  readonly runDir: string;

  constructor(root: string, runRoot: string) {
    this.dir = join(root, "containers");
    this.namesDir = join(root, "names");
    this.namesLock = join(this.namesDir, ".lock");
    this.runDir = join(runRoot, "containers");
  }

  path(id: string, ...rest: string[]): string {
    return join(this.dir, id, ...rest);
  }

  /**
   * Builds the directory (record, writable layer dirs) under `.new-<pid>-<id>`
   * and renames it into place, so a container directory is whole or absent (a
   * full disk fails the write, a crash leaves the `.new-` dir for `system
   * check`). The name (an atomic symlink) is reserved last, so a crash in
   * between leaves a container that `ps` lists and `rm` removes, never a name
   * that nothing owns.
   */
  create(record: ContainerRecord, newName?: () => string): void {
    makeDir(this.dir, STATE_DIR_MODE);
    spreadSubdirectories(this.dir); // containers come and go by the thousand: see spread-dirs.ts
    // A --rm container is meant to be gone after its run; a crash may as well lose it.
    const durable = !record.HostConfig.AutoRemove;
    const staging = join(this.dir, `${NEW_PREFIX}${process.pid}-${record.Id}`);
    makeDir(staging, STATE_DIR_MODE);
    try {
      writeJsonAtomic(join(staging, "container.json"), persisted(record), { durable, mode: SECRET_FILE_MODE });
      for (const d of ["upper", "work", "merged"]) makeDir(join(staging, d), OPEN_DIR_MODE); // upper's is the container's "/"
      crashPoint("create.before-publish");
      renameSync(staging, this.path(record.Id));
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    if (durable) syncDir(this.dir);
    for (let attempt = 1; ; attempt++) {
      try {
        this.reserveName(record.Name.slice(1), record.Id);
        return;
      } catch (e) {
        // A generated name that is taken is simply drawn again, as docker does (`newName`); a chosen one is an error.
        if (newName && attempt < 10 && e instanceof BunkerError) {
          record.Name = `/${newName()}`;
          this.save(record, { durable: !record.HostConfig.AutoRemove });
          continue;
        }
        rmSync(this.path(record.Id), { recursive: true, force: true });
        throw e;
      }
    }
  }

  /** The symlink alone makes a reservation atomic: of two callers after one name, exactly one wins. */
  private reserveName(name: string, id: string): void {
    mkdirSync(this.namesDir, { recursive: true });
    if (this.linkName(name, id)) return;
    withLock(this.namesLock, () => this.reserveTakenName(name, id));
  }

  private linkName(name: string, id: string): boolean {
    try {
      symlinkSync(id, join(this.namesDir, name));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      return false;
    }
  }

  /**
   * Under the names lock: a link left by a crash (its container gone mid-rm,
   * or renamed away mid-rename) is freed and taken. A rename in progress holds
   * the same lock, so its links are never mistaken for leftovers.
   */
  private reserveTakenName(name: string, id: string): void {
    if (this.linkName(name, id)) return;
    const owner = this.nameOwner(name);
    if (owner && this.recordedName(owner) !== `/${name}`) {
      rmSync(join(this.namesDir, name), { force: true });
      if (this.linkName(name, id)) return;
    }
    throw new ConflictError(
      `Conflict. The container name "/${name}" is already in use by container "${this.nameOwner(name)}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }

  /** The name in a container's stored record; undefined when the container is gone. */
  private recordedName(id: string): string | undefined {
    try {
      return (JSON.parse(readFileSync(this.path(id, "container.json"), "utf8")) as ContainerRecord).Name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /**
   * Renames a container (call under its lock): the new name is reserved,
   * recorded, and only then the old one released, all under the names lock.
   * A crash midway leaves an extra link, which reserveTakenName frees.
   */
  rename(id: string, from: string, to: string): void {
    withLock(this.namesLock, () => {
      this.reserveTakenName(to, id);
      try {
        this.patchStored(id, { Name: `/${to}` });
      } catch (e) {
        rmSync(join(this.namesDir, to), { force: true });
        throw e;
      }
      this.releaseName(from, id);
    });
  }

  /** Removes a name's link if it still points to `id` (call under the names lock: a link freed and taken again is someone else's). */
  private releaseName(name: string, id: string): void {
    if (this.nameOwner(name) === id) rmSync(join(this.namesDir, name), { force: true });
  }

  private nameOwner(name: string): string {
    try {
      return readlinkSync(join(this.namesDir, name));
    } catch {
      return "";
    }
  }

  /** Saves a stopped container's record. The running state lives apart (markRunning) and is never written here. */
  save(record: LoadedRecord, { durable = true } = {}): void {
    this.writeRecord(record.Id, persisted(record), durable);
  }

  /**
   * Replaces the persisted HostConfig (`update`). It works on container.json as
   * stored, so a running container's state, which lives in the run root, is
   * neither needed nor written here. Call under the container's lock.
   */
  saveHostConfig(id: string, hostConfig: ContainerRecord["HostConfig"]): void {
    this.patchStored(id, { HostConfig: hostConfig });
  }

  /** Changes the persisted NetworkSettings (`network connect`/`disconnect`), running or not. Call under the container's lock. */
  updateNetworkSettings(id: string, change: (stored: NetworkSettings | undefined) => NetworkSettings): void {
    const persisted: ContainerRecord = JSON.parse(readFileSync(this.path(id, "container.json"), "utf8"));
    this.patchStored(id, { NetworkSettings: change(persisted.NetworkSettings) });
  }

  /** Changes a running container's addresses and ports (its run file); call under its lock. */
  updateLiveNetwork(id: string, change: (live: LiveNetwork | undefined) => LiveNetwork): void {
    const run = this.readRunning(id);
    if (run) this.markRunning(id, { ...run, Network: change(run.Network) });
  }

  private patchStored(id: string, patch: Partial<ContainerRecord>): void {
    const persisted: ContainerRecord = JSON.parse(readFileSync(this.path(id, "container.json"), "utf8"));
    this.writeRecord(id, { ...persisted, ...patch }, true);
  }

  /** container.json holds the `-e` values: root's alone (see lib/modes.ts). */
  private writeRecord(id: string, record: ContainerRecord, durable: boolean): void {
    writeJsonAtomic(this.path(id, "container.json"), record, { durable, mode: SECRET_FILE_MODE });
  }

  /** Replaces the persisted State.Health (a health probe's result), running or not. Call under the container's lock. */
  saveHealth(id: string, health: HealthState): void {
    const persisted: ContainerRecord = JSON.parse(readFileSync(this.path(id, "container.json"), "utf8"));
    this.writeRecord(id, { ...persisted, State: { ...persisted.State, Health: health } }, false);
  }

  /** Records that the container runs; on tmpfs under the default run root, so it is cheap and a reboot forgets it. */
  markRunning(id: string, state: RunningState): void {
    makeDir(this.runDir, PRIVATE_DIR_MODE);
    writeJsonAtomic(join(this.runDir, `${id}.json`), state, { durable: false, mode: SECRET_FILE_MODE });
  }

  /** Records the monitor of a start under way, before the container exists (RunningState.Starting). */
  markStarting(id: string, state: Omit<RunningState, "Pid" | "PidStartTime" | "Starting">): void {
    this.markRunning(id, { ...state, Pid: 0, PidStartTime: null, Starting: true });
  }

  /** Completes the run file of a start that was killed before it recorded the pid (`system check --repair` adopting it). */
  recordStarted(id: string, pid: number, pidStartTime: number | null): void {
    const run = this.readRunning(id);
    if (run?.Starting) this.markRunning(id, { ...run, Pid: pid, PidStartTime: pidStartTime, Starting: undefined });
  }

  /** Records a running container as paused or not (`pause`, `unpause`); call under its lock. */
  setPaused(id: string, paused: boolean): void {
    const run = this.readRunning(id);
    if (run) this.markRunning(id, { ...run, Paused: paused || undefined });
  }

  clearRunning(id: string): void {
    rmSync(join(this.runDir, `${id}.json`), { force: true });
  }

  /** The monitor's record of the last run's exit, if it wrote one. */
  readExit(id: string): ExitFile | null {
    try {
      return JSON.parse(readFileSync(this.path(id, "exit"), "utf8"));
    } catch {
      return null;
    }
  }

  /**
   * The run of a start that was killed before it recorded the pid: the init
   * is the process in the container's cgroup whose parent is the recorded
   * monitor or, once that run has ended, the pid in the monitor's exit file.
   * Undefined while neither exists (the monitor has not cloned it yet, or died
   * without doing so).
   */
  private startedRun(id: string, run: RunningState): RunningState | undefined {
    if (run.MonitorPid && isProcessAlive(run.MonitorPid, run.MonitorStartTime)) {
      const pid = cgroupPids(cgroupPath(id)).find((p) => parentPid(p) === run.MonitorPid);
      if (pid) return { ...run, Pid: pid, PidStartTime: processStartTime(pid) };
    }
    const exit = this.readExit(id);
    if (exit && exit.MonitorPid === run.MonitorPid) return { ...run, Pid: exit.Pid, PidStartTime: null };
    return undefined;
  }

  private readRunning(id: string): RunningState | undefined {
    try {
      return JSON.parse(readFileSync(join(this.runDir, `${id}.json`), "utf8"));
    } catch {
      return undefined;
    }
  }

  /** The record with its running state merged in, as `inspect` shows it. */
  load(id: string): LoadedRecord {
    let record: LoadedRecord;
    try {
      record = JSON.parse(readFileSync(this.path(id, "container.json"), "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
    const recorded = this.readRunning(id);
    // An exit recorded after this start means the run file is a leftover of a crash between the two writes.
    if (!recorded || recorded.StartedAt <= record.State.FinishedAt) return record;
    const run = recorded.Starting ? this.startedRun(id, recorded) : recorded;
    if (recorded.Starting) {
      // Until its init is found the container shows as recorded; its monitor still stops a second start.
      record.Starting = true;
      record.MonitorPid = recorded.MonitorPid;
      record.MonitorStartTime = recorded.MonitorStartTime;
    }
    if (run) {
      const paused = run.Paused === true;
      record.State = { ...record.State, Status: paused ? "paused" : "running", Running: true, Paused: paused, Pid: run.Pid, StartedAt: run.StartedAt, ExitCode: 0, Error: "", FinishedAt: ZERO_TIME };
      record.PidStartTime = run.PidStartTime;
      record.MonitorPid = run.MonitorPid;
      record.MonitorStartTime = run.MonitorStartTime;
      record.NetworkSettings = withLive(record.NetworkSettings, run.Network);
    }
    return record;
  }

  /** `.new-<pid>-<id>` directories whose creator died: a create cut short before it published the container. */
  abandonedNew(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => {
        if (!n.startsWith(NEW_PREFIX)) return false;
        const pid = Number(n.slice(NEW_PREFIX.length).split("-")[0]);
        return pid !== process.pid && !existsSync(`/proc/${pid}`);
      })
      .map((n) => join(this.dir, n));
  }

  /** `<id>/` directories without a record, which only a hand or an older bunker leaves: no command can see them. */
  recordless(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((n) => /^[a-f0-9]{64}$/.test(n) && !existsSync(this.path(n, "container.json")))
      .map((n) => join(this.dir, n));
  }

  ids(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => /^[a-f0-9]{64}$/.test(n) && existsSync(this.path(n, "container.json")));
  }

  /**
   * Every container's record. One removed while we list is skipped, as docker
   * skips it; one whose record cannot be read is handed to `unreadable` (by
   * default a warning on stderr; `system check` names it) and skipped, so one
   * broken container never hides the others.
   */
  list(unreadable: (id: string, e: Error) => void = warnUnreadable): LoadedRecord[] {
    const out: LoadedRecord[] = [];
    for (const id of this.ids()) {
      try {
        out.push(this.load(id));
      } catch (e) {
        if (!(e instanceof NotFoundError)) unreadable(id, e as Error);
      }
    }
    return out;
  }

  /** The unix socket its monitor listens on (attach, wait, stop). Short: a socket path has at most 107 bytes. */
  socketPath(id: string): string {
    return join(this.runDir, `${id.slice(0, 32)}.sock`);
  }

  /** Finds a container by full id, name, or unique id prefix (docker's order). */
  resolve(ref: string): string {
    const ids = this.ids();
    if (ids.includes(ref)) return ref;
    const byName = this.nameOwner(ref.startsWith("/") ? ref.slice(1) : ref);
    if (byName && ids.includes(byName)) return byName;
    if (/^[a-f0-9]+$/.test(ref)) {
      const matches = ids.filter((id) => id.startsWith(ref));
      if (matches.length === 1) return matches[0];
      if (matches.length > 1) throw new BunkerError(`Multiple IDs found with provided prefix: ${ref}`);
    }
    throw new NotFoundError(`No such container: ${ref}`);
  }

  /** Serialises state changes of one container across processes. */
  withLock<T>(id: string, fn: () => T): T {
    try {
      return withLock(this.path(id, "lock"), fn, { createDir: false });
    } catch (e) {
      // The directory is gone: the container was removed while we waited.
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
  }

  /** withLock for work that may be left to another: undefined at once, fn not run, while another holds the lock. */
  withLockIfFree<T>(id: string, fn: () => T): T | undefined {
    try {
      return withLockIfFree(this.path(id, "lock"), fn, { createDir: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
  }

  /** withLock for work that awaits (a copy into a stopped container's files). */
  async withLockAsync<T>(id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withLockAsync(this.path(id, "lock"), fn, { createDir: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !existsSync(this.path(id))) throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
  }

  /**
   * The directory is first renamed out of the listing (atomic), then the name
   * is released, then the files go: a crash midway leaves only a
   * `.removing-<id>` directory, never a half-visible container.
   */
  remove(record: ContainerRecord): void {
    const tomb = join(this.dir, `.removing-${record.Id}`);
    renameSync(this.path(record.Id), tomb);
    withLock(this.namesLock, () => this.releaseName(record.Name.slice(1), record.Id));
    rmSync(tomb, { recursive: true, force: true });
    this.clearRunning(record.Id);
  }
}
