// What each cgroup version implements (as crun's cgroup backends do), and the
// file helpers both use. The versions differ in file names and value formats,
// not in what the engine asks of them.
import { closeSync, constants, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import type { LinuxResources } from "./spec.ts";

export interface ContainerCgroup {
  dirs: string[];
  /** v1: the `tasks` files the container's init writes "0" to (see join_cgroup in native.c). */
  joinFiles: string[];
  /** v2: the directory the init is cloned straight into (CLONE_INTO_CGROUP). */
  v2Dir?: string;
  /** What the container's /sys/fs/cgroup shows (cgroupfs.ts): v1 each hierarchy's dir under its controllers' names, v2 the one dir (name ""). */
  views: { name: string; dir: string }[];
}

export interface CgroupBackend {
  /** Makes the container's directories, preparing their parents as the version needs. */
  create(): ContainerCgroup;
  /** Writes linux.resources. Called before the init joins, so the limits hold from its first instruction. */
  apply(resources: LinuxResources): void;
  /** Whether the kernel's OOM killer killed a task in the cgroup; must be read before the cgroup is removed. */
  oomKilled(): boolean;
  /** The usage counters `stats` shows; zeros for whatever the host does not account (or a cgroup already gone). */
  stats(): CgroupStats;
  /** Freezes (`pause`) or thaws (`unpause`) every task of the cgroup, returning once the kernel reports it done. */
  freeze(frozen: boolean): void;
}

/**
 * Waits for a freezer to settle: `settled` re-reads the kernel's report (and
 * may write the request again, as v1 wants while FREEZING). Tasks in an
 * uninterruptible sleep can hold a freeze up; after a few seconds the caller
 * gets an error rather than a hang.
 */
export function awaitFreezer(settled: () => boolean, what: string): void {
  for (let attempt = 0; !settled(); attempt++) {
    if (attempt >= 5000) throw new BunkerError(`timed out waiting for the container's cgroup to be ${what}`);
    Bun.sleepSync(1);
  }
}

export interface CgroupStats {
  cpuNanos: number;
  /** Without the inactive page cache, as docker counts it: that memory is reclaimable. */
  memoryUsage: number;
  /** null when unlimited. */
  memoryLimit: number | null;
  pids: number;
  blockRead: number;
  blockWrite: number;
}

/**
 * Writes one cgroup file as `echo VALUE >> FILE` would; a refusal becomes a
 * one-line error naming the file and the value, as runc's do. Never O_CREAT:
 * a knob this kernel lacks is an error, not a new file. O_APPEND because the
 * kernel ignores the offset anyway, and a fake cgroupfs in the tests then
 * keeps every write in order (devices.allow takes several).
 */
export function writeCgroupFile(dir: string, file: string, value: string | number): void {
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, file), constants.O_WRONLY | constants.O_APPEND);
    writeSync(fd, `${value}\n`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new BunkerError(`failed to write "${value}" to ${join(dir, file)}: ${err.code ?? err.message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Optional knobs (memsw, swap.max) exist only when the kernel accounts swap; without them the limit is skipped, not fatal. */
export function hasCgroupFile(dir: string, file: string): boolean {
  return existsSync(join(dir, file));
}

/** A cgroup file's text; "" when the controller is not mounted or the file is missing. */
export function readCgroupFile(dir: string | undefined, file: string): string {
  if (dir === undefined) return "";
  try {
    return readFileSync(join(dir, file), "utf8");
  } catch {
    return "";
  }
}

/** A one-number file (memory.current, pids.current, cpuacct.usage); 0 when absent. */
export function readCgroupNumber(dir: string | undefined, file: string): number {
  return Number(readCgroupFile(dir, file).trim()) || 0;
}

/** A counter from a flat keyed file ("oom_kill 1" lines: memory.oom_control, memory.events, cpu.stat); 0 when absent. */
export function keyedCounter(dir: string | undefined, file: string, key: string): number {
  for (const line of readCgroupFile(dir, file).split("\n")) {
    const [k, v] = line.split(" ");
    if (k === key) return Number(v) || 0;
  }
  return 0;
}
