import { describe, expect, test } from "bun:test";
import { withCgroupfs } from "../../../src/runtime/cgroupfs.ts";
import type { RuntimeSpec } from "../../../src/runtime/spec.ts";

const CGROUP = { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] };
const spec = (): RuntimeSpec => ({
  ociVersion: "1.0.2",
  process: { user: { uid: 0, gid: 0 }, args: ["true"], cwd: "/" },
  root: { path: "/r" },
  mounts: [{ destination: "/proc", type: "proc", source: "proc" }, CGROUP, { destination: "/data", type: "bind", source: "/d", options: ["rbind"] }],
  linux: { namespaces: [] },
});

describe("withCgroupfs", () => {
  test("v2: the container's cgroup dir bound read-only in the cgroup mount's place", () => {
    const out = withCgroupfs(spec(), { dirs: ["/cg/bunker/c1"], joinFiles: [], v2Dir: "/cg/bunker/c1", views: [{ name: "", dir: "/cg/bunker/c1" }] });
    expect(out.mounts?.map((m) => m.destination)).toEqual(["/proc", "/sys/fs/cgroup", "/data"]);
    expect(out.mounts?.[1]).toEqual({ destination: "/sys/fs/cgroup", type: "bind", source: "/cg/bunker/c1", options: ["bind", "ro", "nosuid", "noexec", "nodev"] });
  });

  test("v1: a writable tmpfs, each view bound read-only, then the tmpfs remounted read-only", () => {
    const views = [
      { name: "cpu,cpuacct", dir: "/cg/cpu,cpuacct/bunker/c1" },
      { name: "cpu", dir: "/cg/cpu,cpuacct/bunker/c1" },
      { name: "memory", dir: "/cg/memory/bunker/c1" },
    ];
    const out = withCgroupfs(spec(), { dirs: [], joinFiles: [], views });
    expect(out.mounts?.slice(1, 6)).toEqual([
      { destination: "/sys/fs/cgroup", type: "tmpfs", source: "tmpfs", options: ["nosuid", "noexec", "nodev", "mode=755"] },
      { destination: "/sys/fs/cgroup/cpu,cpuacct", type: "bind", source: "/cg/cpu,cpuacct/bunker/c1", options: ["bind", ...CGROUP.options] },
      { destination: "/sys/fs/cgroup/cpu", type: "bind", source: "/cg/cpu,cpuacct/bunker/c1", options: ["bind", ...CGROUP.options] },
      { destination: "/sys/fs/cgroup/memory", type: "bind", source: "/cg/memory/bunker/c1", options: ["bind", ...CGROUP.options] },
      { destination: "/sys/fs/cgroup", type: "bind", source: "", options: ["bind", "remount", ...CGROUP.options] },
    ]);
    expect(out.mounts?.at(-1)?.destination).toBe("/data");
  });

  test("without cgroups the mount is left out; without the mount nothing changes", () => {
    expect(withCgroupfs(spec(), { dirs: [], joinFiles: [], views: [] }).mounts?.map((m) => m.destination)).toEqual(["/proc", "/data"]);
    const plain = { ...spec(), mounts: [] };
    expect(withCgroupfs(plain, { dirs: [], joinFiles: [], views: [] })).toBe(plain);
  });
});
