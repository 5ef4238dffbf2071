// issue 20 item 3: /sys/fs/cgroup inside a container shows its own cgroup, read-only, as runc mounts it
// (v1: each controller's directory; v2: the container's cgroup dir). JVM, Node, .NET and Go's automaxprocs
// size themselves from it; an empty directory makes them size for the host and get OOM-killed under -m.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { Bunker } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

// Whichever version this host runs: the file a runtime reads its memory limit from, and the one listing the cgroup's processes.
const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
const limitFile = v2 ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
const procsFile = v2 ? "/sys/fs/cgroup/cgroup.procs" : "/sys/fs/cgroup/pids/cgroup.procs";

test("-m 64m shows as the memory limit in /sys/fs/cgroup", () => {
  expect(b.ok(["run", "--rm", "-m", "64m", "busybox", "cat", limitFile])).toBe("67108864\n");
});

test("it is the container's own cgroup: its init (pid 1) is listed there", () => {
  expect(b.ok(["run", "--rm", "busybox", "cat", procsFile]).split("\n")).toContain("1");
});

test("/sys/fs/cgroup is read-only: the limit cannot be raised from inside, nothing can be created", () => {
  const r = b.run(["run", "--rm", "-m", "64m", "busybox", "sh", "-c", `echo 1000000000 > ${limitFile}; mkdir /sys/fs/cgroup/x; cat ${limitFile}`]);
  expect(r.stderr).toContain(`can't create ${limitFile}: Read-only file system`);
  expect(r.stderr).toContain("can't create directory '/sys/fs/cgroup/x': Read-only file system");
  expect(r.stdout).toBe("67108864\n");
});

test("--privileged gets it writable, as docker does", () => {
  expect(b.ok(["run", "--rm", "--privileged", "busybox", "sh", "-c", "grep ' /sys/fs/cgroup ' /proc/self/mountinfo | cut -d' ' -f6"])).toStartWith("rw,");
});
