// `stats`: each container's usage, read from its cgroup. CPU % is a rate, so
// it needs two samples; everything else is the later sample's value.
import { readFileSync } from "node:fs";
import { type CgroupStats, cgroupStats } from "../runtime/cgroups.ts";
import type { ContainerRecord } from "./container-store.ts";
import { cgroupPath } from "./runtime-spec.ts";

export interface StatsSample extends CgroupStats {
  /** Monotonic time of the reading, in ns. */
  at: bigint;
}

export interface ContainerStats {
  id: string;
  name: string;
  cpuPercent: number;
  memoryUsage: number;
  /** The cgroup's limit, or the host's memory when there is none (as docker shows it). */
  memoryLimit: number;
  memoryPercent: number;
  pids: number;
  blockRead: number;
  blockWrite: number;
}

const ZERO: CgroupStats = { cpuNanos: 0, memoryUsage: 0, memoryLimit: 0, pids: 0, blockRead: 0, blockWrite: 0 };

/** A reading of the container's cgroup; a stopped container has none, and reads as zeros (docker's `stats -a`). */
export function sample(c: ContainerRecord): StatsSample {
  return { ...(c.State.Running ? cgroupStats(cgroupPath(c.Id)) : ZERO), at: process.hrtime.bigint() };
}

/**
 * Docker computes CPU % as container CPU time over the host's CPU time
 * (/proc/stat, every CPU), times the number of online CPUs. The host's CPU
 * time over an interval is the wall time times that same number, so the two
 * cancel: container CPU time over wall time. 100% is one CPU's worth.
 */
export function cpuPercent(before: StatsSample, after: StatsSample): number {
  const wall = Number(after.at - before.at);
  const cpu = after.cpuNanos - before.cpuNanos;
  return wall > 0 && cpu > 0 ? (cpu / wall) * 100 : 0;
}

let hostMemory: number | undefined;

/** MemTotal from /proc/meminfo, in bytes. */
function hostMemTotal(): number {
  if (hostMemory === undefined) {
    const kb = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1];
    hostMemory = Number(kb ?? 0) * 1024;
  }
  return hostMemory;
}

export function containerStats(c: ContainerRecord, before: StatsSample, after: StatsSample): ContainerStats {
  const limit = !c.State.Running ? 0 : Math.min(after.memoryLimit ?? Infinity, hostMemTotal());
  return {
    id: c.Id,
    name: c.Name.slice(1),
    cpuPercent: cpuPercent(before, after),
    memoryUsage: after.memoryUsage,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (after.memoryUsage / limit) * 100 : 0,
    pids: after.pids,
    blockRead: after.blockRead,
    blockWrite: after.blockWrite,
  };
}
