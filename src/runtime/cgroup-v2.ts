// cgroup v2: one directory, and controllers that reach it only if every
// ancestor lists them in cgroup.subtree_control.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { attachDeviceFilter } from "./bpf.ts";
import { awaitFreezer, type CgroupBackend, type CgroupStats, type ContainerCgroup, hasCgroupFile, keyedCounter, writeCgroupFile } from "./cgroup-backend.ts";
import { v2Stats } from "./cgroup-stats.ts";
import { allowsAllDevices } from "./device-filter.ts";
import type { DeviceRule, LinuxResources } from "./spec.ts";

/** Builds and attaches the eBPF device filter for a cgroup directory; injectable so fake trees never call bpf(). */
export type DeviceFilterLoader = (cgroupDir: string, rules: DeviceRule[]) => void;

const CONTROLLERS = ["cpu", "cpuset", "io", "memory", "pids"];
const DEFAULT_PERIOD = 100000;

export class CgroupV2 implements CgroupBackend {
  private readonly dir: string;

  constructor(
    private readonly mountPoint: string,
    private readonly path: string,
    private readonly loadDeviceFilter: DeviceFilterLoader = attachDeviceFilter,
  ) {
    this.dir = join(mountPoint, path);
  }

  create(): ContainerCgroup {
    prepareParents(this.mountPoint, this.path);
    mkdirSync(this.dir, { recursive: true });
    return { dirs: [this.dir], joinFiles: [], v2Dir: this.dir, views: [{ name: "", dir: this.dir }] };
  }

  /**
   * v2 has no devices.allow or devices.deny: the device rules become an eBPF
   * program attached to the directory (device-filter.ts). Rules that allow
   * everything (--privileged) need none, and no rules leave devices as v1 would.
   */
  apply(r: LinuxResources): void {
    const write = (file: string, value: string | number) => writeCgroupFile(this.dir, file, value);
    if (r.devices && !allowsAllDevices(r.devices)) this.loadDeviceFilter(this.dir, r.devices);
    if (r.memory) {
      const { limit, swap, reservation } = r.memory;
      if (limit) write("memory.max", limit > 0 ? limit : "max");
      const swapMax = swapMaxValue(swap, limit);
      if (swapMax !== undefined && hasCgroupFile(this.dir, "memory.swap.max")) write("memory.swap.max", swapMax);
      if (reservation) write("memory.low", reservation);
    }
    if (r.cpu) {
      const { shares, quota, period, cpus, mems } = r.cpu;
      if (shares) write("cpu.weight", cpuWeight(shares));
      if (quota || period) write("cpu.max", `${quota && quota > 0 ? quota : "max"} ${period || DEFAULT_PERIOD}`);
      if (cpus) write("cpuset.cpus", cpus);
      if (mems) write("cpuset.mems", mems);
    }
    if (r.pids) write("pids.max", r.pids.limit > 0 ? r.pids.limit : "max");
  }

  /** memory.events counts the kills in this cgroup and below ("oom_kill N"). */
  oomKilled(): boolean {
    return keyedCounter(this.dir, "memory.events", "oom_kill") > 0;
  }

  stats(): CgroupStats {
    return v2Stats(this.dir);
  }

  /** cgroup.freeze asks; cgroup.events' "frozen" says when every task has stopped (or runs again). */
  freeze(frozen: boolean): void {
    const want = frozen ? 1 : 0;
    writeCgroupFile(this.dir, "cgroup.freeze", want);
    awaitFreezer(() => keyedCounter(this.dir, "cgroup.events", "frozen") === want, frozen ? "frozen" : "thawed");
  }
}

/** v1's cpu.shares (2..262144) mapped onto cpu.weight (1..10000) as runc maps it, so both hosts rank containers alike. */
export function cpuWeight(shares: number): number {
  const s = Math.min(Math.max(shares, 2), 262144);
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/**
 * The spec's swap is memory plus swap (v1's memsw); v2's memory.swap.max is
 * the swap alone. -1 is unlimited either way; undefined leaves the file alone.
 */
export function swapMaxValue(swap: number | undefined, limit: number | undefined): string | undefined {
  if (!swap) return undefined;
  if (swap < 0) return "max";
  if (!limit || limit < 0) return undefined; // swap without a memory limit has no meaning; the engine refuses it
  return String(Math.max(swap - limit, 0));
}

/** Enables the controllers in every ancestor's subtree_control, so the container's directory gets their files. */
function prepareParents(mountPoint: string, path: string): void {
  const parts = path.split("/").filter(Boolean);
  let dir = mountPoint;
  for (const part of parts.slice(0, -1)) {
    enableControllers(dir);
    dir = join(dir, part);
    if (!existsSync(dir)) mkdirSync(dir);
  }
  enableControllers(dir);
}

function enableControllers(dir: string): void {
  const available = readFileSync(join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/);
  const enabled = new Set(readFileSync(join(dir, "cgroup.subtree_control"), "utf8").trim().split(/\s+/));
  const wanted = CONTROLLERS.filter((c) => available.includes(c) && !enabled.has(c));
  if (wanted.length === 0) return;
  try {
    writeFileSync(join(dir, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "));
  } catch {
    // A controller can be busy (e.g. threaded subtrees); the container runs without it rather than not at all.
  }
}
