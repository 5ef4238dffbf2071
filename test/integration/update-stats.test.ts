// `update` and `stats` through the compiled binary, against a detached
// container whose cgroup is read from the host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { Bunker, cgroupFile, expectOneLineError } from "./harness.ts";

const MiB = 1024 * 1024;
const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
const HEADER = /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/;

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

describe("update and stats of a running container", () => {
  const name = "upd-stats";
  let id: string;
  beforeAll(() => {
    id = b.ok(["run", "-d", "--name", name, "-m", "64m", "busybox", "sleep", "600"]).trim();
  });
  afterAll(() => b.ok(["rm", "-f", id]));

  test("update -m --memory-swap: prints the name, and the cgroup and the record both hold the new limit", () => {
    expect(b.run(["update", "-m", "128m", "--memory-swap", "256m", name])).toEqual({ stdout: `${name}\n`, stderr: "", exitCode: 0 });
    expect(cgroupFile(id, "memory", V2 ? "memory.max" : "memory.limit_in_bytes")).toBe(String(128 * MiB));
    expect(b.ok(["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", name]).trim()).toBe(`${128 * MiB} ${256 * MiB}`);
    expect(b.ok(["inspect", "-f", "{{.State.Status}}", name]).trim()).toBe("running"); // the running state is untouched
  });

  test("update --pids-limit reaches pids.max", () => {
    expect(b.ok(["update", "--pids-limit", "20", name])).toBe(`${name}\n`);
    expect(cgroupFile(id, "pids", "pids.max")).toBe("20");
  });

  test("a memory limit above the set memoryswap, without a new memoryswap, is docker's error", () => {
    expectOneLineError(b.run(["update", "-m", "512m", name]), 1, /^Error response from daemon: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time\n$/);
    expect(cgroupFile(id, "memory", V2 ? "memory.max" : "memory.limit_in_bytes")).toBe(String(128 * MiB));
  });

  test("stats --no-stream NAME: the header and one row with the limit and the one process", () => {
    const lines = b.ok(["stats", "--no-stream", name]).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(HEADER);
    const row = lines[1].split(/\s{2,}/);
    expect(row[0]).toBe(id.slice(0, 12));
    expect(row[1]).toBe(name);
    expect(row[2]).toMatch(/^\d+\.\d\d%$/);
    expect(row[3]).toMatch(/^[\d.]+[KMG]?i?B \/ 128MiB$/);
    expect(row[5]).toMatch(/^[\d.]+k?B \/ [\d.]+k?B$/); // on the default bridge: whatever its eth0 has seen
    expect(row[7]).toBe("1");
  });
});

/** "3.13kB" as docker prints a decimal size, in bytes. */
const decimalBytes = (size: string) => {
  const [, n, unit] = /^([\d.]+)(B|kB|MB|GB)$/.exec(size) ?? [];
  return Number(n) * 1000 ** ["B", "kB", "MB", "GB"].indexOf(unit);
};

test("NET I/O counts the container's own interfaces: a ping over the bridge shows both ways; --network none has none", () => {
  b.ok(["run", "-d", "--name", "talker", "busybox", "sleep", "600"]);
  b.ok(["run", "-d", "--name", "quiet", "--network", "none", "busybox", "sleep", "600"]);
  try {
    const gateway = b.ok(["inspect", "-f", "{{.NetworkSettings.Gateway}}", "talker"]).trim();
    b.ok(["exec", "talker", "ping", "-c", "1", "-s", "3000", gateway]); // over 3 kB each way
    const [talker, quiet] = b.ok(["stats", "--no-stream", "--format", "{{.NetIO}}", "talker", "quiet"]).trim().split("\n");
    const [received, sent] = talker.split(" / ").map(decimalBytes);
    expect(received).toBeGreaterThan(3000);
    expect(sent).toBeGreaterThan(3000);
    expect(quiet).toBe("0B / 0B");
  } finally {
    b.ok(["rm", "-f", "talker", "quiet"]);
  }
});

test("update of an unknown container: one line, exit 1", () => {
  expectOneLineError(b.run(["update", "-m", "128m", "no-such-container"]), 1, /^Error response from daemon: No such container: no-such-container\n$/);
});

test("stats --no-stream with no running container prints just the header; -a shows a stopped one as zeros", () => {
  const id = b.ok(["create", "--name", "stopped", "busybox", "true"]).trim();
  try {
    const out = b.ok(["stats", "--no-stream"]);
    expect(out).toMatch(/^CONTAINER ID.*PIDS\n$/);
    const lines = b.ok(["stats", "--no-stream", "-a"]).trimEnd().split("\n");
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([[id.slice(0, 12), "stopped", "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"]]);
  } finally {
    b.ok(["rm", id]);
  }
});
