import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CgroupHierarchy, cgroupHierarchies, createCgroup, removeCgroup } from "../../../src/runtime/cgroups.ts";

// /proc/self/mountinfo of the project's machines: v1 hierarchies plus an empty cgroup2 (hybrid).
const HYBRID = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

// A systemd host on pure v2 (optional fields such as shared:4 before the separator).
const PURE_V2 = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
26 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
30 26 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

describe("cgroupHierarchies", () => {
  test("hybrid v1: one hierarchy per v1 controller mount; the named systemd one and the empty cgroup2 are ignored", () => {
    const v1 = (name: string): CgroupHierarchy => ({ version: 1, mountPoint: `/sys/fs/cgroup/${name}`, controllers: [name] });
    expect(cgroupHierarchies(HYBRID)).toEqual(["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"].map(v1));
  });

  test("co-mounted v1 controllers stay together", () => {
    const line = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n";
    expect(cgroupHierarchies(line)).toEqual([{ version: 1, mountPoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: ["cpu", "cpuacct"] }]);
  });

  test("pure v2: the single cgroup2 mount", () => {
    expect(cgroupHierarchies(PURE_V2)).toEqual([{ version: 2, mountPoint: "/sys/fs/cgroup", controllers: [] }]);
  });

  test("no cgroup mounts at all", () => {
    expect(cgroupHierarchies("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")).toEqual([]);
  });
});

describe("createCgroup and removeCgroup on a fake cgroupfs", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync("/tmp/bunker-fake-cgroupfs-");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** A cgroup2 directory as the kernel shows it: the controllers it may hand down and those it does. */
  function v2Dir(dir: string, subtreeControl = ""): void {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cgroup.controllers"), "cpu io memory pids\n");
    writeFileSync(join(dir, "cgroup.subtree_control"), subtreeControl);
  }
  const subtreeControl = (dir: string) => readFileSync(join(dir, "cgroup.subtree_control"), "utf8");

  test("v2: every ancestor enables the controllers in subtree_control; the init is cloned into the new dir", () => {
    v2Dir(root);
    v2Dir(join(root, "bunker")); // the kernel makes these files in every new cgroup directory
    const cg = createCgroup("bunker/c1", [{ version: 2, mountPoint: root, controllers: [] }]);
    expect(subtreeControl(root)).toBe("+cpu +io +memory +pids");
    expect(subtreeControl(join(root, "bunker"))).toBe("+cpu +io +memory +pids");
    expect(cg).toEqual({ dirs: [join(root, "bunker/c1")], joinFiles: [], v2Dir: join(root, "bunker/c1"), views: [{ name: "", dir: join(root, "bunker/c1") }] });
    expect(existsSync(join(root, "bunker/c1"))).toBe(true);
  });

  test("v2: controllers already enabled are not written again", () => {
    v2Dir(root, "cpu memory\n");
    v2Dir(join(root, "bunker"), "cpu io memory pids\n");
    createCgroup("bunker/c2", [{ version: 2, mountPoint: root, controllers: [] }]);
    expect(subtreeControl(root)).toBe("+io +pids");
    expect(subtreeControl(join(root, "bunker"))).toBe("cpu io memory pids\n");
  });

  test("v1: one directory per hierarchy; removeCgroup removes them and tolerates their absence", () => {
    const hierarchies: CgroupHierarchy[] = ["memory", "pids"].map((c) => ({ version: 1, mountPoint: join(root, c), controllers: [c] }));
    for (const h of hierarchies) mkdirSync(h.mountPoint);
    const cg = createCgroup("bunker/c3", hierarchies);
    createCgroup("bunker/c4", hierarchies);
    expect(cg.joinFiles).toEqual([join(root, "memory/bunker/c3/tasks"), join(root, "pids/bunker/c3/tasks")]);
    expect(cg.v2Dir).toBeUndefined();
    for (const d of cg.dirs) expect(existsSync(d)).toBe(true);
    removeCgroup("bunker/c3", hierarchies);
    for (const d of cg.dirs) expect(existsSync(d)).toBe(false);
    expect(existsSync(join(root, "memory/bunker"))).toBe(true); // the shared parent stays while another container uses it
    removeCgroup("bunker/c4", hierarchies);
    expect(existsSync(join(root, "memory/bunker"))).toBe(false); // and goes with the last one
    removeCgroup("bunker/c3", hierarchies);
  });

  test("v2: removeCgroup removes the container's directory only", () => {
    v2Dir(root);
    v2Dir(join(root, "bunker"));
    const hierarchy: CgroupHierarchy[] = [{ version: 2, mountPoint: root, controllers: [] }];
    createCgroup("bunker/c4", hierarchy);
    removeCgroup("bunker/c4", hierarchy);
    expect(existsSync(join(root, "bunker/c4"))).toBe(false);
    expect(existsSync(join(root, "bunker"))).toBe(true);
  });
});
