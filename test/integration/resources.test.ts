// Resource limits, the device cgroup and --read-only, through the compiled
// binary. The container has no /sys/fs/cgroup, so its cgroup is read from the
// host while it runs (detached), and then removed with rm -f.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { hostDevices } from "../../src/engine/resources.ts";
import { RuntimeSpecSchema } from "../../src/runtime/spec.ts";
import { Bunker, cgroupFile, expectOneLineError } from "./harness.ts";

const MiB = 1024 * 1024;
const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

/** CPU time the container's cgroup has used, in seconds. */
function cpuSeconds(id: string): number {
  if (V2) return Number(/^usage_usec (\d+)$/m.exec(cgroupFile(id, "cpu", "cpu.stat"))?.[1]) / 1e6;
  return Number(cgroupFile(id, "cpuacct", "cpuacct.usage")) / 1e9;
}

const detached = (...args: string[]) => b.ok(["run", "-d", ...args]).trim();

/** How many CFS periods the container was throttled in. */
const throttledPeriods = (id: string) => Number(/^nr_throttled (\d+)$/m.exec(cgroupFile(id, "cpu", "cpu.stat"))?.[1]);

/** Resolves once `done()` holds, checking every 20 ms: for cgroup counters, which nothing can watch. */
async function pollUntil(done: () => boolean): Promise<void> {
  while (!done()) await Bun.sleep(20);
}

describe("limits are in the cgroup while the container runs", () => {
  test("memory, cpu, cpuset and pids, in v1's or v2's files; inspect and the bundle show them", () => {
    const flags = ["-m", "32m", "--memory-reservation", "16m", "--cpus", "0.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "50"];
    const id = detached(...flags, "--shm-size", "1m", "busybox", "sleep", "60");
    try {
      if (V2) {
        expect(cgroupFile(id, "memory", "memory.max")).toBe(String(32 * MiB));
        expect(cgroupFile(id, "memory", "memory.low")).toBe(String(16 * MiB));
        expect(cgroupFile(id, "cpu", "cpu.max")).toBe("50000 100000");
        expect(cgroupFile(id, "cpu", "cpu.weight")).toBe("20");
      } else {
        expect(cgroupFile(id, "memory", "memory.limit_in_bytes")).toBe(String(32 * MiB));
        expect(cgroupFile(id, "memory", "memory.soft_limit_in_bytes")).toBe(String(16 * MiB));
        if (existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) expect(cgroupFile(id, "memory", "memory.memsw.limit_in_bytes")).toBe(String(64 * MiB));
        expect(cgroupFile(id, "cpu", "cpu.cfs_quota_us")).toBe("50000");
        expect(cgroupFile(id, "cpu", "cpu.cfs_period_us")).toBe("100000");
        expect(cgroupFile(id, "cpu", "cpu.shares")).toBe("512");
      }
      expect(cgroupFile(id, "cpuset", "cpuset.cpus")).toBe("0");
      expect(cgroupFile(id, "pids", "pids.max")).toBe("50");

      const [c] = JSON.parse(b.ok(["inspect", id]));
      expect(c.HostConfig).toMatchObject({
        Memory: 32 * MiB,
        MemorySwap: 64 * MiB, // docker's default: twice the memory
        MemoryReservation: 16 * MiB,
        NanoCpus: 500_000_000,
        CpuShares: 512,
        CpusetCpus: "0",
        CpusetMems: "",
        PidsLimit: 50,
        ShmSize: MiB,
      });

      const spec = RuntimeSpecSchema.parse(JSON.parse(readFileSync(join(b.root, "containers", id, "config.json"), "utf8")));
      expect(spec.linux.resources).toMatchObject({
        memory: { limit: 32 * MiB, reservation: 16 * MiB, swap: 64 * MiB },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0" },
        pids: { limit: 50 },
      });
      expect(spec.mounts?.find((m) => m.destination === "/dev/shm")?.options).toContain(`size=${MiB}`);
    } finally {
      b.ok(["rm", "-f", id]);
    }
  });

  test("defaults: no limits, 64 MiB of /dev/shm, PidsLimit null", () => {
    const out = b.ok(["run", "--name", "plain", "busybox", "df", "-k", "/dev/shm"]);
    expect(out).toMatch(/^shm +65536 /m);
    const [c] = JSON.parse(b.ok(["inspect", "plain"]));
    expect(c.HostConfig).toMatchObject({ Memory: 0, MemorySwap: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: null, ShmSize: 64 * MiB, Devices: [] });
    expect(c.State.OOMKilled).toBe(false);
    b.ok(["rm", "plain"]);
  });

  test("--shm-size sizes the /dev/shm tmpfs", () => {
    expect(b.ok(["run", "--rm", "--shm-size", "2m", "busybox", "df", "-k", "/dev/shm"])).toMatch(/^shm +2048 /m);
  });
});

test("--memory 32m: allocating 64 MB is OOM-killed (exit 137) and inspect says OOMKilled", () => {
  const r = b.run(["run", "--name", "oom", "-m", "32m", "busybox", "sh", "-c", 'x=$(head -c 67108864 /dev/zero | tr "\\0" a); echo done']);
  expect(r.exitCode).toBe(137);
  expect(r.stdout).not.toContain("done");
  expect(b.ok(["inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", "oom"]).trim()).toBe("true 137");

  // Work that fits is not marked.
  b.ok(["rm", "oom"]);
  b.ok(["run", "--name", "fits", "-m", "32m", "busybox", "sh", "-c", "x=$(head -c 1048576 /dev/zero | tr '\\0' a)"]);
  expect(b.ok(["inspect", "-f", "{{.State.OOMKilled}}", "fits"]).trim()).toBe("false");
  b.ok(["rm", "fits"]);
});

test("--pids-limit 50 contains a fork bomb, and the host can still spawn", async () => {
  const id = detached("--pids-limit", "50", "busybox", "sh", "-c", "f(){ f|f & }; f 2>/dev/null; exec sleep 600");
  try {
    // Until forks are refused at the limit ("max N" counts them), the most processes seen at once.
    let most = 0;
    await pollUntil(() => {
      most = Math.max(most, Number(cgroupFile(id, "pids", "pids.current")));
      return Number(/^max (\d+)$/m.exec(cgroupFile(id, "pids", "pids.events"))?.[1]) > 0;
    });
    expect(most).toBeGreaterThan(1); // the bomb did go off
    expect(most).toBeLessThanOrEqual(50);
    expect(cgroupFile(id, "pids", "pids.max")).toBe("50");
    expect(Bun.spawnSync(["true"]).exitCode).toBe(0);
  } finally {
    b.ok(["rm", "-f", id]);
  }
  expect(b.containerIds()).not.toContain(id);
});

test("--cpus 0.5 throttles a busy loop, which gets no more than half a CPU (+15% over 2 s)", async () => {
  const id = detached("--cpus", "0.5", "busybox", "sh", "-c", "while :; do :; done");
  try {
    // Once throttled, the loop has used a whole period's quota: the limit is in force. How much less it
    // gets depends on the other tests sharing the CPUs, so only the upper bound is asserted.
    await pollUntil(() => throttledPeriods(id) > 0);
    const [cpu0, t0] = [cpuSeconds(id), performance.now()];
    await Bun.sleep(2000); // the measurement's window
    const [cpu1, t1] = [cpuSeconds(id), performance.now()];
    expect((cpu1 - cpu0) / ((t1 - t0) / 1000)).toBeLessThan(0.5 * 1.15);
  } finally {
    b.ok(["rm", "-f", id]);
  }
});

describe("--read-only", () => {
  test("writing to / fails with EROFS; a --tmpfs /tmp, /dev/shm and a new mount point still work", () => {
    const r = b.run(["run", "--rm", "--read-only", "--tmpfs", "/tmp", "--tmpfs", "/scratch", "-w", "/work", "busybox", "sh", "-c",
      "touch /x; echo x=$?; touch /tmp/y && echo tmp ok; touch /dev/shm/z && echo shm ok; touch /scratch/s && echo scratch ok; pwd"]);
    expect(r.stderr).toContain("touch: /x: Read-only file system");
    expect(r.stdout).toBe("x=1\ntmp ok\nshm ok\nscratch ok\n/work\n");
    expect(r.exitCode).toBe(0);
  });

  test("without it, / is writable", () => {
    expect(b.ok(["run", "--rm", "busybox", "sh", "-c", "touch /x && echo ok"])).toBe("ok\n");
  });
});

describe("devices", () => {
  test("--device /dev/null:/dev/mynull is made inside and usable; inspect records it", () => {
    const out = b.ok(["run", "--name", "dev", "--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "ls -l /dev/mynull; echo x > /dev/mynull && echo written"]);
    expect(out).toMatch(/^crw-rw-rw- .* 1, +3 .*\/dev\/mynull\nwritten\n$/);
    const [c] = JSON.parse(b.ok(["inspect", "dev"]));
    expect(c.HostConfig.Devices).toEqual([{ PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "rwm" }]);
    b.ok(["rm", "dev"]);
  });

  test.skipIf(!existsSync("/dev/net/tun"))("--device /dev/net/tun: a node below a subdirectory of /dev gets its directory", () => {
    const out = b.ok(["run", "--rm", "--device", "/dev/net/tun", "-w", "/tmp", "busybox", "sh", "-c", "ls -l /dev/net/tun; exec 3<>/dev/net/tun && pwd"]);
    expect(out).toMatch(/^crw------- .* 10, +200 .*\/dev\/net\/tun\n\/tmp\n$/);
  });

  test("--privileged: every host node, with the host's numbers, and (v1) a device cgroup that allows all", () => {
    const inside = b.ok(["run", "--rm", "--privileged", "busybox", "sh", "-c", "find /dev -type c -o -type b | xargs stat -c '%n %F %t:%T'"]);
    for (const d of hostDevices()) {
      const kind = d.type === "b" ? "block special file" : "character special file";
      expect(inside).toContain(`${d.path} ${kind} ${d.major.toString(16)}:${d.minor.toString(16)}\n`);
    }
    if (V2) return;
    const id = detached("--privileged", "busybox", "sleep", "60");
    try {
      expect(cgroupFile(id, "devices", "devices.list")).toBe("a *:* rwm");
    } finally {
      b.ok(["rm", "-f", id]);
    }
  });

  test.skipIf(V2)("a device outside the allowed list cannot be opened, even by root after a mknod (v1 device cgroup)", () => {
    // c *:* m lets the node be made, as in docker; opening it is what the device cgroup refuses.
    const r = b.run(["run", "--rm", "busybox", "sh", "-c", "mknod /dev/mem c 1 1 && echo made; head -c 1 /dev/mem"]);
    expect(r.stdout).toBe("made\n");
    expect(r.stderr).toContain("/dev/mem: Operation not permitted");
    expect(r.exitCode).not.toBe(0);
  });

  test.skipIf(V2 || !existsSync("/dev/loop-control"))("--device adds an allow rule with its permissions (v1 device cgroup)", () => {
    const open = "exec 3</dev/lc && echo read ok; exec 4>/dev/lc && echo write ok";
    const r = b.run(["run", "--rm", "--device", "/dev/loop-control:/dev/lc:r", "busybox", "sh", "-c", open]);
    expect(r.stdout).toBe("read ok\n");
    expect(r.stderr).toContain("Operation not permitted");
    // Without the flag the same node, made by hand, cannot even be read.
    const denied = b.run(["run", "--rm", "busybox", "sh", "-c", "mknod /dev/lc c 10 237; exec 3</dev/lc && echo read ok"]);
    expect(denied.stdout).toBe("");
    expect(denied.stderr).toContain("Operation not permitted");
  });

  test.skipIf(V2)("the device cgroup holds docker's list while the container runs", () => {
    const id = detached("--device", "/dev/null:/dev/mynull:r", "busybox", "sleep", "60");
    try {
      expect(cgroupFile(id, "devices", "devices.list").split("\n")).toEqual([
        "c 1:5 rwm", "c 1:3 rwm", "c 1:9 rwm", "c 1:8 rwm", "c 5:0 rwm", "c 5:1 rwm", "c *:* m", "b *:* m", "c 1:7 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
      ]);
    } finally {
      b.ok(["rm", "-f", id]);
    }
  });
});

describe("bad values: docker's one-line errors, exit 125, nothing created", () => {
  const cases: [string[], RegExp][] = [
    [["-m", "4m"], /^bunker: Minimum memory limit allowed is 6MB$/m],
    [["-m", "32x"], /^bunker: invalid argument "32x" for "-m, --memory" flag: invalid suffix: 'x'$/m],
    [["--memory", "lots"], /^bunker: invalid argument "lots" for "-m, --memory" flag: invalid size: 'lots'$/m],
    [["-m", "32m", "--memory-swap", "16m"], /^bunker: Minimum memoryswap limit should be larger than memory limit, see usage$/m],
    [["--cpus", "1000"], /^bunker: Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available$/m],
    [["--pids-limit", "ten"], /^bunker: invalid argument "ten" for "--pids-limit" flag: strconv\.ParseInt: parsing "ten": invalid syntax$/m],
    [["--cpuset-cpus", "4096"], /^bunker: Requested CPUs are not available - requested 4096, available: /m],
    [["--device", "/etc/hostname"], /^bunker: error gathering device information while adding custom device "\/etc\/hostname": not a device node$/m],
  ];
  for (const [flags, message] of cases) {
    test(flags.join(" "), () => {
      const r = b.run(["run", "--rm", ...flags, "busybox", "true"]);
      expectOneLineError(r, 125, message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  }

  test("no container was left behind", () => {
    expect(b.containerIds()).toEqual([]);
  });
});
