// What `stats` reads from a container's cgroup, per version. Both subtract
// the inactive file cache from the memory in use, as docker does: the kernel
// reclaims it before it OOM-kills anything.
import { type CgroupStats, keyedCounter, readCgroupFile, readCgroupNumber } from "./cgroup-backend.ts";

// v1 has no "max": unlimited reads as PAGE_COUNTER_MAX pages, near 2^63.
const V1_UNLIMITED = 2 ** 62;

/** v1: `dir` finds the container's directory in the hierarchy holding a controller (undefined when not mounted). */
export function v1Stats(dir: (controller: string) => string | undefined): CgroupStats {
  const memory = dir("memory");
  const limit = readCgroupNumber(memory, "memory.limit_in_bytes");
  // "8:0 Read 4096" per device and operation, then a "Total N" line.
  const blkio = readCgroupFile(dir("blkio"), "blkio.throttle.io_service_bytes_recursive");
  const op = (name: string) => (f: string[]) => (f.length === 3 && f[1] === name ? f[2] : undefined);
  return {
    cpuNanos: readCgroupNumber(dir("cpuacct"), "cpuacct.usage"),
    memoryUsage: withoutInactiveFile(readCgroupNumber(memory, "memory.usage_in_bytes"), keyedCounter(memory, "memory.stat", "total_inactive_file")),
    memoryLimit: limit > 0 && limit < V1_UNLIMITED ? limit : null,
    pids: readCgroupNumber(dir("pids"), "pids.current"),
    blockRead: sumColumn(blkio, op("Read")),
    blockWrite: sumColumn(blkio, op("Write")),
  };
}

/** v2: one directory holds every controller's files. */
export function v2Stats(dir: string): CgroupStats {
  const max = readCgroupFile(dir, "memory.max").trim();
  // "8:0 rbytes=N wbytes=N rios=N …" per device.
  const io = readCgroupFile(dir, "io.stat");
  const field = (key: string) => (f: string[]) => f.find((kv) => kv.startsWith(`${key}=`))?.slice(key.length + 1);
  return {
    cpuNanos: keyedCounter(dir, "cpu.stat", "usage_usec") * 1000,
    memoryUsage: withoutInactiveFile(readCgroupNumber(dir, "memory.current"), keyedCounter(dir, "memory.stat", "inactive_file")),
    memoryLimit: max === "" || max === "max" ? null : Number(max),
    pids: readCgroupNumber(dir, "pids.current"),
    blockRead: sumColumn(io, field("rbytes")),
    blockWrite: sumColumn(io, field("wbytes")),
  };
}

/** Memory in use less the inactive file cache (docker's calculateMemUsageUnixNoCache), never below zero. */
function withoutInactiveFile(usage: number, inactiveFile: number): number {
  return inactiveFile < usage ? usage - inactiveFile : usage;
}

/** Sums, over a file's lines split on blanks, the number `pick` takes from each (undefined skips the line). */
function sumColumn(text: string, pick: (fields: string[]) => string | undefined): number {
  let sum = 0;
  for (const line of text.split("\n")) sum += Number(pick(line.trim().split(/\s+/)) ?? 0) || 0;
  return sum;
}
