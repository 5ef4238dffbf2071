// cgroup v1, hybrid hosts included: one directory per hierarchy, each holding
// the files of the controllers mounted there (cpu and cpuacct may share one).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import {
  awaitFreezer,
  type CgroupBackend,
  type CgroupStats,
  type ContainerCgroup,
  hasCgroupFile,
  keyedCounter,
  readCgroupFile,
  readCgroupNumber,
  writeCgroupFile,
} from "./cgroup-backend.ts";
import { v1Stats } from "./cgroup-stats.ts";
import type { CgroupHierarchy } from "./cgroups.ts";
import type { DeviceRule, LinuxResources } from "./spec.ts";

export class CgroupV1 implements CgroupBackend {
  constructor(
    private readonly hierarchies: CgroupHierarchy[],
    private readonly path: string,
  ) {}

  /** The container's directory in the hierarchy that holds the controller, if the host mounts it. */
  private dir(controller: string): string | undefined {
    const h = this.hierarchies.find((h) => h.controllers.includes(controller));
    return h && join(h.mountPoint, this.path);
  }

  create(): ContainerCgroup {
    const dirs = this.hierarchies.map((h) => {
      if (h.controllers.includes("cpuset")) prepareCpusetParents(h.mountPoint, this.path);
      const dir = join(h.mountPoint, this.path);
      mkdirSync(dir, { recursive: true });
      return dir;
    });
    // A hierarchy of several controllers shows as "cpu,cpuacct" and under each one's name (where runc makes symlinks).
    const views = this.hierarchies.flatMap((h, i) => [...new Set([h.controllers.join(","), ...h.controllers])].map((name) => ({ name, dir: dirs[i] })));
    return { dirs, joinFiles: dirs.map((d) => join(d, "tasks")), views };
  }

  apply(r: LinuxResources): void {
    const devices = this.dir("devices");
    if (devices) for (const rule of r.devices ?? []) writeCgroupFile(devices, rule.allow ? "devices.allow" : "devices.deny", v1DeviceRule(rule));

    const memory = this.dir("memory");
    if (memory && r.memory) {
      const { limit, swap, reservation } = r.memory;
      const memsw = swap && hasCgroupFile(memory, "memory.memsw.limit_in_bytes") ? swap : undefined;
      // memsw must stay >= the limit after every write: a new cgroup starts unlimited in both, so the limit goes
      // first; but an update that raises memsw must raise it first (runc's order), or a larger limit is refused.
      const memswFirst = memsw !== undefined && (memsw < 0 || memsw > readCgroupNumber(memory, "memory.memsw.limit_in_bytes"));
      if (memswFirst) writeCgroupFile(memory, "memory.memsw.limit_in_bytes", memsw);
      if (limit) writeCgroupFile(memory, "memory.limit_in_bytes", limit);
      if (memsw !== undefined && !memswFirst) writeCgroupFile(memory, "memory.memsw.limit_in_bytes", memsw);
      if (reservation) writeCgroupFile(memory, "memory.soft_limit_in_bytes", reservation);
    }

    const cpu = this.dir("cpu");
    if (cpu && r.cpu) {
      const { shares, period, quota } = r.cpu;
      if (shares) writeCgroupFile(cpu, "cpu.shares", shares);
      // The period first: the kernel checks the quota against the period in force.
      if (period) writeCgroupFile(cpu, "cpu.cfs_period_us", period);
      if (quota) writeCgroupFile(cpu, "cpu.cfs_quota_us", quota);
    }

    const cpuset = this.dir("cpuset");
    if (cpuset && r.cpu?.cpus) writeCgroupFile(cpuset, "cpuset.cpus", r.cpu.cpus);
    if (cpuset && r.cpu?.mems) writeCgroupFile(cpuset, "cpuset.mems", r.cpu.mems);

    const pids = this.dir("pids");
    if (pids && r.pids) writeCgroupFile(pids, "pids.max", r.pids.limit > 0 ? r.pids.limit : "max");
  }

  /** memory.oom_control counts the kills since the cgroup was made ("oom_kill N", Linux 4.13+). */
  oomKilled(): boolean {
    const memory = this.dir("memory");
    return memory !== undefined && keyedCounter(memory, "memory.oom_control", "oom_kill") > 0;
  }

  stats(): CgroupStats {
    return v1Stats((controller) => this.dir(controller));
  }

  /** freezer.state passes through FREEZING; the request is written again until it reads FROZEN (runc does the same). */
  freeze(frozen: boolean): void {
    const dir = this.dir("freezer");
    if (!dir) throw new BunkerError("cannot pause: this host does not mount the cgroup v1 freezer");
    const want = frozen ? "FROZEN" : "THAWED";
    awaitFreezer(() => {
      writeCgroupFile(dir, "freezer.state", want);
      return readCgroupFile(dir, "freezer.state").trim() === want;
    }, want.toLowerCase());
  }
}

/** A rule as devices.allow/devices.deny take it: "c 1:3 rwm", or "a" for every device. */
export function v1DeviceRule(rule: DeviceRule): string {
  const type = rule.type ?? "a";
  if (type === "a") return "a";
  return `${type} ${rule.major ?? "*"}:${rule.minor ?? "*"} ${rule.access ?? "rwm"}`;
}

/** v1 cpuset refuses tasks until cpus and mems are set, so new levels inherit their parent's. */
function prepareCpusetParents(mountPoint: string, path: string): void {
  let parent = mountPoint;
  for (const part of path.split("/").filter(Boolean)) {
    const dir = join(parent, part);
    if (!existsSync(dir)) mkdirSync(dir);
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      if (readFileSync(join(dir, file), "utf8").trim() === "") writeFileSync(join(dir, file), readFileSync(join(parent, file)));
    }
    parent = dir;
  }
}
