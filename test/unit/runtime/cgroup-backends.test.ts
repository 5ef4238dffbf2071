// Both cgroup backends over fake cgroupfs trees: the "kernel" here is a set of
// empty files made up front (as the kernel makes a cgroup's files on mkdir),
// and every write is appended, so each file ends up holding exactly what
// bunker wrote to it, in order. That verifies v2 without a v2 host.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuWeight, swapMaxValue } from "../../../src/runtime/cgroup-v2.ts";
import { v1DeviceRule } from "../../../src/runtime/cgroup-v1.ts";
import { type CgroupHierarchy, cgroupOomKilled, cgroupStats, createCgroup, freezeCgroup, updateCgroup } from "../../../src/runtime/cgroups.ts";
import type { DeviceRule, LinuxResources } from "../../../src/runtime/spec.ts";

const MiB = 1024 * 1024;
const PATH = "bunker/c1";

// What runtime-spec.ts builds for `--memory 32m --memory-reservation 16m --cpus 0.5 --cpu-shares 512
// --cpuset-cpus 0-1 --cpuset-mems 0 --pids-limit 50 --device /dev/loop-control:/dev/lc:r`, abridged.
const RESOURCES: LinuxResources = {
  devices: [
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
    { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
    { allow: true, type: "c", access: "m" },
    { allow: true, type: "c", major: 136, access: "rwm" },
    { allow: true, type: "c", major: 10, minor: 237, access: "r" },
  ],
  memory: { limit: 32 * MiB, reservation: 16 * MiB, swap: 64 * MiB },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0-1", mems: "0" },
  pids: { limit: 50 },
};

let root: string;
beforeEach(() => {
  root = mkdtempSync("/tmp/bunker-fake-cgroupfs-");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A directory with the given (empty) files, as the kernel shows a new cgroup. */
function fakeDir(dir: string, files: string[], content: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f), content[f] ?? "");
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("cgroup v1 backend", () => {
  const V1_FILES: Record<string, string[]> = {
    memory: ["tasks", "memory.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.oom_control"],
    cpu: ["tasks", "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"],
    cpuacct: ["tasks", "cpuacct.usage"],
    cpuset: ["tasks", "cpuset.cpus", "cpuset.mems"],
    pids: ["tasks", "pids.max"],
    devices: ["tasks", "devices.allow", "devices.deny"],
  };
  let hierarchies: CgroupHierarchy[];
  const dir = (controller: string) => join(root, controller, PATH);

  beforeEach(() => {
    hierarchies = Object.keys(V1_FILES).map((c) => ({ version: 1, mountPoint: join(root, c), controllers: [c] }));
    for (const [c, files] of Object.entries(V1_FILES)) {
      fakeDir(join(root, c), files, { "cpuset.cpus": "0-1\n", "cpuset.mems": "0\n" });
      fakeDir(join(root, c, "bunker"), files);
      fakeDir(dir(c), files);
    }
  });

  test("writes each limit to its v1 file, with the values as given", () => {
    const cg = createCgroup(PATH, hierarchies, RESOURCES);
    expect(cg.joinFiles).toEqual(Object.keys(V1_FILES).map((c) => join(dir(c), "tasks")));
    expect(read(dir("memory"), "memory.limit_in_bytes")).toBe(`${32 * MiB}\n`);
    expect(read(dir("memory"), "memory.memsw.limit_in_bytes")).toBe(`${64 * MiB}\n`);
    expect(read(dir("memory"), "memory.soft_limit_in_bytes")).toBe(`${16 * MiB}\n`);
    expect(read(dir("cpu"), "cpu.shares")).toBe("512\n");
    expect(read(dir("cpu"), "cpu.cfs_period_us")).toBe("100000\n");
    expect(read(dir("cpu"), "cpu.cfs_quota_us")).toBe("50000\n");
    expect(read(dir("pids"), "pids.max")).toBe("50\n");
    expect(read(dir("cpuacct"), "cpuacct.usage")).toBe(""); // accounting only: nothing to set
  });

  test("cpuset: each level inherits its parent's cpus and mems, then the container's own are written", () => {
    // As the kernel makes them, "bunker" and "bunker/c1" start with empty cpus and mems.
    createCgroup(PATH, hierarchies, RESOURCES);
    expect(read(join(root, "cpuset", "bunker"), "cpuset.cpus")).toBe("0-1\n");
    expect(read(join(root, "cpuset", "bunker"), "cpuset.mems")).toBe("0\n");
    expect(read(dir("cpuset"), "cpuset.cpus")).toBe("0-1\n0-1\n"); // inherited, then --cpuset-cpus
  });

  test("devices: deny all first, then the rules in order, each to devices.allow or devices.deny", () => {
    createCgroup(PATH, hierarchies, RESOURCES);
    expect(read(dir("devices"), "devices.deny")).toBe("a\nc 10:229 rwm\n");
    expect(read(dir("devices"), "devices.allow")).toBe("c 1:3 rwm\nc *:* m\nc 136:* rwm\nc 10:237 r\n");
    expect(v1DeviceRule({ allow: true, type: "b", access: "m" })).toBe("b *:* m");
  });

  test("pids 0 or -1 writes max; memory+swap -1 is written as is", () => {
    createCgroup(PATH, hierarchies, { pids: { limit: -1 }, memory: { limit: 32 * MiB, swap: -1 } });
    expect(read(dir("pids"), "pids.max")).toBe("max\n");
    expect(read(dir("memory"), "memory.memsw.limit_in_bytes")).toBe("-1\n");
  });

  test("without swap accounting (no memsw file) the memory limit still applies", () => {
    rmSync(join(dir("memory"), "memory.memsw.limit_in_bytes"));
    createCgroup(PATH, hierarchies, RESOURCES);
    expect(read(dir("memory"), "memory.limit_in_bytes")).toBe(`${32 * MiB}\n`);
    expect(existsSync(join(dir("memory"), "memory.memsw.limit_in_bytes"))).toBe(false);
  });

  test("no resources: nothing is written", () => {
    createCgroup(PATH, hierarchies, {});
    for (const [c, files] of Object.entries(V1_FILES)) for (const f of files) if (!f.startsWith("cpuset.")) expect(read(dir(c), f)).toBe("");
  });

  test("a refused limit is a one-line error naming file and value, and the cgroup is gone", () => {
    // Empty directories, so that removal works on this fake too: a kernel with no pids.max at all.
    const plain = hierarchies.filter((h) => h.controllers[0] !== "cpuset");
    for (const h of plain) {
      rmSync(join(h.mountPoint, PATH), { recursive: true });
      mkdirSync(join(h.mountPoint, PATH));
    }
    expect(() => createCgroup(PATH, plain, { pids: { limit: 50 } })).toThrow(`failed to write "50" to ${join(dir("pids"), "pids.max")}: ENOENT`);
    for (const h of plain) expect(existsSync(join(h.mountPoint, PATH))).toBe(false);
  });

  test("OOM: memory.oom_control's oom_kill counter", () => {
    createCgroup(PATH, hierarchies, {});
    writeFileSync(join(dir("memory"), "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    expect(cgroupOomKilled(PATH, hierarchies)).toBe(false);
    writeFileSync(join(dir("memory"), "memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    expect(cgroupOomKilled(PATH, hierarchies)).toBe(true);
  });

  test("update: memsw goes first when it grows, so a limit above the old memsw is accepted", () => {
    // A fake file keeps every write, so the order is the file's content; the kernel would hold the last.
    writeFileSync(join(dir("memory"), "memory.memsw.limit_in_bytes"), `${128 * MiB}\n`);
    updateCgroup(PATH, { memory: { limit: 200 * MiB, swap: 400 * MiB } }, hierarchies);
    expect(read(dir("memory"), "memory.memsw.limit_in_bytes")).toBe(`${128 * MiB}\n${400 * MiB}\n`);
    expect(read(dir("memory"), "memory.limit_in_bytes")).toBe(`${200 * MiB}\n`);
    // Shrinking: the limit first, then memsw (the file's last line is what a kernel would compare against).
    writeFileSync(join(dir("memory"), "memory.memsw.limit_in_bytes"), `${400 * MiB}\n`);
    writeFileSync(join(dir("memory"), "memory.limit_in_bytes"), "");
    updateCgroup(PATH, { memory: { limit: 16 * MiB, swap: 32 * MiB } }, hierarchies);
    expect(read(dir("memory"), "memory.memsw.limit_in_bytes")).toBe(`${400 * MiB}\n${32 * MiB}\n`);
  });

  test("stats: cpuacct, memory less total_inactive_file, limit (none when near 2^63), pids, blkio Read/Write summed", () => {
    const files: [string, string, string][] = [
      ["cpuacct", "cpuacct.usage", "1500000000\n"],
      ["memory", "memory.usage_in_bytes", `${10 * MiB}\n`],
      ["memory", "memory.stat", `cache 100\ninactive_file 7\ntotal_inactive_file ${2 * MiB}\n`],
      ["memory", "memory.limit_in_bytes", `${128 * MiB}\n`],
      ["pids", "pids.current", "3\n"],
      ["blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 100\n8:0 Total 4196\n8:16 Read 1000\n8:16 Write 0\nTotal 5196\n"],
    ];
    mkdirSync(join(root, "blkio", PATH), { recursive: true });
    const withBlkio: CgroupHierarchy[] = [...hierarchies, { version: 1, mountPoint: join(root, "blkio"), controllers: ["blkio"] }];
    for (const [c, f, text] of files) writeFileSync(join(dir(c), f), text);
    expect(cgroupStats(PATH, withBlkio)).toEqual({ cpuNanos: 1.5e9, memoryUsage: 8 * MiB, memoryLimit: 128 * MiB, pids: 3, blockRead: 5096, blockWrite: 100 });
    writeFileSync(join(dir("memory"), "memory.limit_in_bytes"), "9223372036854771712\n");
    expect(cgroupStats(PATH, hierarchies)).toMatchObject({ memoryLimit: null, blockRead: 0, blockWrite: 0 }); // no blkio hierarchy: zeros
  });
});

describe("cgroup v2 backend", () => {
  const V2_FILES = ["cgroup.controllers", "cgroup.subtree_control", "memory.max", "memory.swap.max", "memory.low", "memory.events", "cpu.weight", "cpu.max", "cpuset.cpus", "cpuset.mems", "pids.max"];
  const hierarchy: CgroupHierarchy[] = [{ version: 2, mountPoint: "", controllers: [] }];
  let dir: string;
  // The bpf() attach is injected: a fake tree is no cgroup, so only what would be attached is checked.
  let filters: { dir: string; rules: DeviceRule[] }[];
  const create = (r: LinuxResources) => createCgroup(PATH, hierarchy, r, (dir, rules) => filters.push({ dir, rules }));

  beforeEach(() => {
    hierarchy[0].mountPoint = root;
    const controllers = { "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n" };
    fakeDir(root, ["cgroup.controllers", "cgroup.subtree_control"], controllers);
    fakeDir(join(root, "bunker"), ["cgroup.controllers", "cgroup.subtree_control"], controllers);
    dir = join(root, PATH);
    fakeDir(dir, V2_FILES);
    filters = [];
  });

  test("every ancestor enables the controllers the limits need in subtree_control", () => {
    create(RESOURCES);
    expect(read(root, "cgroup.subtree_control")).toBe("+cpu +cpuset +io +memory +pids");
    expect(read(join(root, "bunker"), "cgroup.subtree_control")).toBe("+cpu +cpuset +io +memory +pids");
    expect(read(dir, "cgroup.subtree_control")).toBe(""); // the leaf holds the process, so it hands nothing down
  });

  test("writes each limit to its v2 file in v2's terms", () => {
    const cg = create(RESOURCES);
    expect(cg).toEqual({ dirs: [dir], joinFiles: [], v2Dir: dir, views: [{ name: "", dir }] });
    expect(read(dir, "memory.max")).toBe(`${32 * MiB}\n`);
    expect(read(dir, "memory.swap.max")).toBe(`${32 * MiB}\n`); // memory+swap 64m less memory 32m
    expect(read(dir, "memory.low")).toBe(`${16 * MiB}\n`);
    expect(read(dir, "cpu.weight")).toBe("20\n"); // 1 + (510 * 9999) / 262142, as runc converts 512 shares
    expect(read(dir, "cpu.max")).toBe("50000 100000\n");
    expect(read(dir, "cpuset.cpus")).toBe("0-1\n");
    expect(read(dir, "cpuset.mems")).toBe("0\n");
    expect(read(dir, "pids.max")).toBe("50\n");
  });

  test("device rules become one eBPF filter on the container's directory, with the rules in order; no file is written", () => {
    create({ devices: RESOURCES.devices });
    expect(filters).toEqual([{ dir, rules: RESOURCES.devices as DeviceRule[] }]);
    for (const f of V2_FILES.filter((f) => !f.startsWith("cgroup."))) expect(read(dir, f)).toBe("");
    expect(existsSync(join(dir, "devices.allow"))).toBe(false);
  });

  test("no filter when the rules allow every device (--privileged) or when there are none", () => {
    create({ devices: [{ allow: true, access: "rwm" }] });
    create({ devices: [] });
    create({ pids: { limit: 5 } });
    expect(filters).toEqual([]);
    // A deny after the allow-all still needs a filter.
    create({ devices: [{ allow: true, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 1, access: "rwm" }] });
    expect(filters.length).toBe(1);
  });

  test("a refused attach fails the create and leaves no cgroup", () => {
    const empty = join(root, "bunker", "c2");
    mkdirSync(empty);
    const refuse = () => {
      throw new Error("device cgroup filter: BPF_PROG_LOAD: EPERM");
    };
    expect(() => createCgroup("bunker/c2", hierarchy, { devices: RESOURCES.devices }, refuse)).toThrow("BPF_PROG_LOAD: EPERM");
    expect(existsSync(empty)).toBe(false);
  });

  test("unlimited values are written as max", () => {
    create({ memory: { limit: 32 * MiB, swap: -1 }, pids: { limit: 0 }, cpu: { period: 100000 } });
    expect(read(dir, "memory.swap.max")).toBe("max\n");
    expect(read(dir, "pids.max")).toBe("max\n");
    expect(read(dir, "cpu.max")).toBe("max 100000\n");
  });

  test("without the swap controller (no memory.swap.max) the memory limit still applies", () => {
    rmSync(join(dir, "memory.swap.max"));
    create(RESOURCES);
    expect(read(dir, "memory.max")).toBe(`${32 * MiB}\n`);
    expect(existsSync(join(dir, "memory.swap.max"))).toBe(false);
  });

  test("OOM: memory.events' oom_kill counter", () => {
    create({});
    writeFileSync(join(dir, "memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
    expect(cgroupOomKilled(PATH, hierarchy)).toBe(false);
    writeFileSync(join(dir, "memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    expect(cgroupOomKilled(PATH, hierarchy)).toBe(true);
  });

  test("stats: cpu.stat usage_usec, memory.current less inactive_file, memory.max, pids, io.stat rbytes/wbytes summed", () => {
    create({});
    writeFileSync(join(dir, "cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
    writeFileSync(join(dir, "memory.current"), `${10 * MiB}\n`);
    writeFileSync(join(dir, "memory.stat"), `anon 100\nfile 200\nactive_file 5\ninactive_file ${3 * MiB}\n`);
    writeFileSync(join(dir, "memory.max"), `${64 * MiB}\n`);
    writeFileSync(join(dir, "pids.current"), "1\n");
    writeFileSync(join(dir, "io.stat"), "8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=10 wbytes=0 rios=1 wios=0\n");
    expect(cgroupStats(PATH, hierarchy)).toEqual({ cpuNanos: 2_500_000, memoryUsage: 7 * MiB, memoryLimit: 64 * MiB, pids: 1, blockRead: 4106, blockWrite: 512 });
    writeFileSync(join(dir, "memory.max"), "max\n");
    expect(cgroupStats(PATH, hierarchy).memoryLimit).toBeNull();
  });

  test("stats of a cgroup already gone are zeros, not an error", () => {
    expect(cgroupStats("bunker/gone", hierarchy)).toEqual({ cpuNanos: 0, memoryUsage: 0, memoryLimit: null, pids: 0, blockRead: 0, blockWrite: 0 });
  });

  test("cpu.weight from cpu.shares, as runc converts it", () => {
    expect(cpuWeight(2)).toBe(1);
    expect(cpuWeight(1024)).toBe(39);
    expect(cpuWeight(262144)).toBe(10000);
    expect(cpuWeight(1)).toBe(1); // below the kernel's minimum: clamped first
    expect(cpuWeight(1_000_000)).toBe(10000);
  });

  test("memory.swap.max is the swap alone", () => {
    expect(swapMaxValue(64 * MiB, 32 * MiB)).toBe(String(32 * MiB));
    expect(swapMaxValue(32 * MiB, 32 * MiB)).toBe("0");
    expect(swapMaxValue(-1, 32 * MiB)).toBe("max");
    expect(swapMaxValue(undefined, 32 * MiB)).toBeUndefined();
    expect(swapMaxValue(0, 32 * MiB)).toBeUndefined();
  });
});

describe("the freezer (pause, unpause)", () => {
  test("v1 writes freezer.state and returns once it reads back as asked", () => {
    const dir = join(root, "freezer", PATH);
    fakeDir(dir, ["freezer.state"]);
    const hierarchies: CgroupHierarchy[] = [{ version: 1, mountPoint: join(root, "freezer"), controllers: ["freezer"] }];
    freezeCgroup(PATH, true, hierarchies);
    expect(read(dir, "freezer.state")).toBe("FROZEN\n");
  });

  test("v1 without a freezer hierarchy cannot pause", () => {
    const hierarchies: CgroupHierarchy[] = [{ version: 1, mountPoint: join(root, "memory"), controllers: ["memory"] }];
    expect(() => freezeCgroup(PATH, true, hierarchies)).toThrow("cannot pause: this host does not mount the cgroup v1 freezer");
  });

  test.each([[true, "1"], [false, "0"]])("v2 (frozen=%p) writes cgroup.freeze and waits for cgroup.events to say so", (frozen, value) => {
    const dir = join(root, PATH);
    fakeDir(dir, ["cgroup.freeze", "cgroup.events"], { "cgroup.events": `populated 1\nfrozen ${value}\n` });
    freezeCgroup(PATH, frozen, [{ version: 2, mountPoint: root, controllers: [] }]);
    expect(read(dir, "cgroup.freeze")).toBe(`${value}\n`);
  });
});
