// One cgroup per container, on cgroup v1 (including hybrid hosts) and v2.
// The mode is read from mountinfo rather than assumed from mount points;
// what differs per version lives in cgroup-v1.ts and cgroup-v2.ts.
import { existsSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import type { CgroupBackend, CgroupStats, ContainerCgroup } from "./cgroup-backend.ts";
import { CgroupV1 } from "./cgroup-v1.ts";
import { CgroupV2, type DeviceFilterLoader } from "./cgroup-v2.ts";
import type { LinuxResources } from "./spec.ts";

export type { CgroupStats, ContainerCgroup } from "./cgroup-backend.ts";

export interface CgroupHierarchy {
  version: 1 | 2;
  mountPoint: string;
  controllers: string[];
}

// Mount options that name a v1 controller; others (rw, xattr, name=systemd, …) do not.
const V1_CONTROLLERS = new Set(["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"]);

let hostHierarchies: CgroupHierarchy[] | undefined;

/** This host's hierarchies, read once per process. */
export function hostCgroups(): CgroupHierarchy[] {
  return (hostHierarchies ??= cgroupHierarchies());
}

/** Parses /proc/self/mountinfo into the cgroup hierarchies that matter. */
export function cgroupHierarchies(mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): CgroupHierarchy[] {
  const v1: CgroupHierarchy[] = [];
  let v2: CgroupHierarchy | undefined;
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const mountPoint = line.slice(0, sep).split(" ")[4];
    const [fstype, , superOptions = ""] = line.slice(sep + 3).split(" ");
    if (fstype === "cgroup") {
      const controllers = superOptions.split(",").filter((o) => V1_CONTROLLERS.has(o));
      if (controllers.length > 0) v1.push({ version: 1, mountPoint, controllers });
    } else if (fstype === "cgroup2") {
      v2 = { version: 2, mountPoint, controllers: [] };
    }
  }
  // Hybrid hosts mount an empty cgroup2 beside the v1 hierarchies; the v1 ones hold the controllers.
  if (v1.length > 0) return v1;
  return v2 ? [v2] : [];
}

/** The host's one backend: v2 when its cgroup2 mount holds the controllers, else the v1 hierarchies. */
function backendFor(path: string, hierarchies: CgroupHierarchy[], loadDeviceFilter?: DeviceFilterLoader): CgroupBackend {
  const v2 = hierarchies.find((h) => h.version === 2);
  return v2 ? new CgroupV2(v2.mountPoint, path, loadDeviceFilter) : new CgroupV1(hierarchies, path);
}

/**
 * Creates the container's cgroup ("bunker/<id>") and writes its limits, all
 * before the init exists. If a limit is refused, nothing is left behind.
 * `loadDeviceFilter` replaces v2's bpf() attach (tests over fake trees).
 */
export function createCgroup(path: string, hierarchies = hostCgroups(), resources: LinuxResources = {}, loadDeviceFilter?: DeviceFilterLoader): ContainerCgroup {
  const backend = backendFor(path, hierarchies, loadDeviceFilter);
  const cgroup = createRacing(() => backend.create());
  try {
    backend.apply(resources);
  } catch (e) {
    try {
      removeCgroup(path, hierarchies);
    } catch {
      // The refused limit is what the user must see; a directory left behind is the lesser problem.
    }
    throw e;
  }
  return cgroup;
}

/** Whether the kernel OOM-killed a task of the container; read after it exits and before removeCgroup. */
export function cgroupOomKilled(path: string, hierarchies = hostCgroups()): boolean {
  return hierarchies.length > 0 && backendFor(path, hierarchies).oomKilled();
}

/** Writes new limits into a running container's cgroup (`update`); only the resources given are touched. */
export function updateCgroup(path: string, resources: LinuxResources, hierarchies = hostCgroups()): void {
  if (hierarchies.length > 0) backendFor(path, hierarchies).apply(resources);
}

/** The container's usage counters, for `stats`. */
export function cgroupStats(path: string, hierarchies = hostCgroups()): CgroupStats {
  if (hierarchies.length === 0) return { cpuNanos: 0, memoryUsage: 0, memoryLimit: null, pids: 0, blockRead: 0, blockWrite: 0 };
  return backendFor(path, hierarchies).stats();
}

/**
 * The files a process writes "0" to in order to join an existing container
 * cgroup (`exec`): every v1 hierarchy's `tasks` (the writer is
 * single-threaded, see native.c's join_cgroup), or v2's cgroup.procs.
 */
export function cgroupJoinFiles(path: string, hierarchies = hostCgroups()): string[] {
  return hierarchies.map((h) => join(h.mountPoint, path, h.version === 1 ? "tasks" : "cgroup.procs"));
}

/** The pids (host's view) of every process in the container's cgroup, for `top`; empty once it is gone. */
export function cgroupPids(path: string, hierarchies = hostCgroups()): number[] {
  if (hierarchies.length === 0) return [];
  try {
    return readFileSync(join(hierarchies[0].mountPoint, path, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Whether any of the container's cgroup dirs exists (a start made it; exit and `rm` remove it). */
export function cgroupExists(path: string, hierarchies = hostCgroups()): boolean {
  return hierarchies.some((h) => existsSync(join(h.mountPoint, path)));
}

/** Freezes or thaws the container's tasks (`pause`, `unpause`). */
export function freezeCgroup(path: string, frozen: boolean, hierarchies = hostCgroups()): void {
  if (hierarchies.length === 0) throw new BunkerError("cannot pause: this host has no cgroup freezer");
  backendFor(path, hierarchies).freeze(frozen);
}

/** Removes the container's cgroup dirs. A just-emptied v1 cgroup can report EBUSY for a moment, so retry briefly. */
export function removeCgroup(path: string, hierarchies = hostCgroups()): void {
  for (const h of hierarchies) {
    const dir = join(h.mountPoint, path);
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        if (code !== "EBUSY" || attempt >= 200) throw e;
        Bun.sleepSync(5);
      }
    }
    removeEmptyParents(h.mountPoint, path);
  }
}

/**
 * The shared "bunker" level goes with its last container, so nothing of
 * bunker's stays in the host's cgroup tree. A parent still holding another
 * container's cgroup refuses (EBUSY); that container removes it later.
 */
function removeEmptyParents(mountPoint: string, path: string): void {
  const parts = path.split("/").filter(Boolean);
  for (let n = parts.length - 1; n > 0; n--) {
    try {
      rmdirSync(join(mountPoint, ...parts.slice(0, n)));
    } catch {
      return; // busy (other containers), or already gone
    }
  }
}

/**
 * Creating the container's level races with another bunker removing the now
 * empty parent (ENOENT, or ENODEV from a cgroup that is going away) or
 * creating it at the same moment (EEXIST): each only means "look again", so
 * the creation is retried a few times.
 */
const RACE_CODES = new Set(["ENOENT", "ENODEV", "EEXIST"]);

function createRacing<T>(create: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return create();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!RACE_CODES.has(code ?? "") || attempt >= 20) throw e;
    }
  }
}
