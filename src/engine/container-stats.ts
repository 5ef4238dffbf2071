// `stats`: each container's usage, read from its cgroup (and its network
// namespace's counters). CPU % is a rate, so it needs two samples; everything
// else is the later sample's value.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type CgroupStats, cgroupStats } from "../runtime/cgroups.ts";
import type { ContainerRecord } from "./container-store.ts";
import { cgroupPath } from "./runtime-spec.ts";

export interface StatsSample extends CgroupStats, NetworkBytes {
  /** Monotonic time of the reading, in ns. */
  at: bigint;
}

interface NetworkBytes {
  netReceived: number;
  netSent: number;
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
  netReceived: number;
  netSent: number;
}

const ZERO: CgroupStats = { cpuNanos: 0, memoryUsage: 0, memoryLimit: 0, pids: 0, blockRead: 0, blockWrite: 0 };
const NO_TRAFFIC: NetworkBytes = { netReceived: 0, netSent: 0 };

/** A reading of the container's cgroup and interfaces; a stopped container has none, and reads as zeros (docker's `stats -a`). */
export function sample(c: ContainerRecord): StatsSample {
  if (!c.State.Running) return { ...ZERO, ...NO_TRAFFIC, at: process.hrtime.bigint() };
  return { ...cgroupStats(cgroupPath(c.Id)), ...networkBytes(c), at: process.hrtime.bigint() };
}

/**
 * Bytes through the container's own interfaces, loopback aside, as docker counts its endpoints:
 * /proc/PID/net/dev lists the namespace of PID. With the host's or another container's network
 * the container has no endpoint of its own, so nothing.
 */
function networkBytes(c: ContainerRecord): NetworkBytes {
  const mode = c.HostConfig.NetworkMode;
  if (mode === "host" || mode.startsWith("container:")) return NO_TRAFFIC;
  let table: string;
  try {
    table = readFileSync(`/proc/${c.State.Pid}/net/dev`, "utf8");
  } catch {
    return NO_TRAFFIC; // it has just exited
  }
  const total = { ...NO_TRAFFIC };
  // Two header lines, then "  eth0: rx_bytes rx_packets … (8 receive fields) tx_bytes …".
  for (const line of table.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0 || line.slice(0, colon).trim() === "lo") continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    total.netReceived += fields[0];
    total.netSent += fields[8];
  }
  return total;
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
    netReceived: after.netReceived,
    netSent: after.netSent,
  };
}

/** dockerd's cpu_stats of a sample; system_cpu_usage is the wall time times the CPUs, so the client's CPU % is cpuPercent's. */
function cpuStats(s: StatsSample, cpus: number) {
  return {
    cpu_usage: { total_usage: s.cpuNanos, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: Number(s.at) * cpus,
    online_cpus: cpus,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** GET /containers/{id}/stats's object (moby's container.StatsResponse), from two samples as `stats` takes them. */
export function statsResponse(c: ContainerRecord, before: StatsSample, after: StatsSample, readAt: Date, prereadAt: Date) {
  const s = containerStats(c, before, after);
  const cpus = availableParallelism();
  const io = (op: string, value: number) => ({ major: 0, minor: 0, op, value });
  return {
    name: c.Name,
    id: c.Id,
    read: readAt.toISOString(),
    preread: prereadAt.toISOString(),
    pids_stats: { current: s.pids },
    blkio_stats: {
      io_service_bytes_recursive: [io("read", s.blockRead), io("write", s.blockWrite)],
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(after, cpus),
    precpu_stats: cpuStats(before, cpus),
    // The inactive file cache is already left out of usage (cgroup-stats.ts), so no stats for the client to subtract.
    memory_stats: c.State.Running ? { usage: s.memoryUsage, limit: s.memoryLimit, stats: {} } : {},
    ...(c.State.Running ? { networks: { eth0: { rx_bytes: s.netReceived, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: s.netSent, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } } } : {}),
  };
}
