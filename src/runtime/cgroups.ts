// One cgroup per container, on cgroup v1 (including hybrid hosts) and v2.
// The mode is read from mountinfo rather than assumed from mount points.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CgroupHierarchy {
  version: 1 | 2;
  mountPoint: string;
  controllers: string[];
}

// Mount options that name a v1 controller; others (rw, xattr, name=systemd, …) do not.
const V1_CONTROLLERS = new Set(["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"]);

let hostHierarchies: CgroupHierarchy[] | undefined;

/** This host's hierarchies, read once per process. */
function hostCgroups(): CgroupHierarchy[] {
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

export interface ContainerCgroup {
  dirs: string[];
  /** v1: the `tasks` files the container's init writes "0" to (see join_cgroup in native.c). */
  joinFiles: string[];
  /** v2: the directory the init is cloned straight into (CLONE_INTO_CGROUP). */
  v2Dir?: string;
}

const V2_CONTROLLERS = ["cpu", "cpuset", "io", "memory", "pids"];

/** Creates the container's cgroup ("bunker/<id>") in every hierarchy. */
export function createCgroup(path: string, hierarchies = hostCgroups()): ContainerCgroup {
  const dirs: string[] = [];
  for (const h of hierarchies) {
    const dir = join(h.mountPoint, path);
    if (h.version === 2) prepareV2Parents(h.mountPoint, path);
    else if (h.controllers.includes("cpuset")) prepareCpusetParents(h.mountPoint, path);
    mkdirSync(dir, { recursive: true });
    dirs.push(dir);
  }
  const v2 = hierarchies.findIndex((h) => h.version === 2);
  return {
    dirs,
    joinFiles: dirs.filter((_, i) => hierarchies[i].version === 1).map((d) => join(d, "tasks")),
    v2Dir: v2 >= 0 ? dirs[v2] : undefined,
  };
}

/** v2 only distributes controllers that every ancestor enables in cgroup.subtree_control. */
function prepareV2Parents(mountPoint: string, path: string): void {
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
  const wanted = V2_CONTROLLERS.filter((c) => available.includes(c) && !enabled.has(c));
  if (wanted.length === 0) return;
  try {
    writeFileSync(join(dir, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "));
  } catch {
    // A controller can be busy (e.g. threaded subtrees); the container runs without it rather than not at all.
  }
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
  }
}
