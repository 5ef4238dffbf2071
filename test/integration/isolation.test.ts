import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, cgroupDirsFor, mountsUnder } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

describe("isolation", () => {
  test("the command is PID 1 and sees only its own processes", () => {
    expect(b.ok(["run", "--rm", "busybox", "sh", "-c", "echo $$"]).trim()).toBe("1");
    // ps is the container's only process: PID 1, nothing of the host's.
    expect(b.ok(["run", "--rm", "busybox", "ps", "-o", "pid,comm"]).trim().split("\n").map((l) => l.trim())).toEqual(["PID   COMMAND", "1 ps"]);
  });

  test("the hostname is the container's own", () => {
    const host = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
    const id = b.ok(["create", "busybox", "hostname"]).trim();
    const out = b.ok(["start", "-a", id]);
    expect(out.trim()).toBe(id.slice(0, 12));
    expect(out.trim()).not.toBe(host);
    expect(b.ok(["run", "--rm", "-h", "box1", "busybox", "hostname"]).trim()).toBe("box1");
    expect(b.ok(["run", "--rm", "--hostname", "box2", "busybox", "cat", "/etc/hostname"]).trim()).toBe("box2");
    // --domainname sets the UTS namespace's domain name; the host's stays as it was.
    const hostDomain = readFileSync("/proc/sys/kernel/domainname", "utf8");
    expect(b.ok(["run", "--rm", "--domainname", "example.test", "busybox", "cat", "/proc/sys/kernel/domainname"])).toBe("example.test\n");
    expect(readFileSync("/proc/sys/kernel/domainname", "utf8")).toBe(hostDomain);
    b.ok(["rm", id]);
  });

  test("a mount made inside does not appear on the host", () => {
    const before = readFileSync("/proc/self/mountinfo", "utf8");
    // Mounting needs CAP_SYS_ADMIN, which Docker's defaults leave out.
    b.ok(["run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "mkdir -p /mnt/x && mount -t tmpfs bunkerleak /mnt/x && grep bunkerleak /proc/mounts"]);
    const after = readFileSync("/proc/self/mountinfo", "utf8");
    expect(after).not.toContain("bunkerleak");
    expect(after.split("\n").length).toBe(before.split("\n").length);
  });

  test("writes go to the container's layer and leave the image unchanged", () => {
    const id = b.ok(["create", "busybox", "sh", "-c", "echo changed > /etc/motd; rm /bin/vi"]).trim();
    expect(b.run(["start", "-a", id]).exitCode).toBe(0);
    const upper = join(b.root, "containers", id, "upper");
    expect(readFileSync(join(upper, "etc/motd"), "utf8")).toBe("changed\n");
    // The image still has no motd and still has vi.
    expect(b.ok(["run", "--rm", "busybox", "sh", "-c", "cat /etc/motd 2>&1; ls /bin/vi"])).toContain("/bin/vi");
    b.ok(["rm", id]);
    expect(existsSync(join(b.root, "containers", id))).toBe(false);
  });

  test("rm removes the layer, the mounts and the cgroup", () => {
    const mountsBefore = readFileSync("/proc/self/mountinfo", "utf8");
    const id = b.ok(["create", "busybox", "true"]).trim();
    b.ok(["start", "-a", id]);
    b.ok(["rm", id]);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toBe(mountsBefore);
    expect(mountsUnder(id)).toEqual([]);
    expect(cgroupDirsFor([id])).toEqual([]);
    expect(readdirSync(join(b.root, "containers")).includes(id)).toBe(false);
  });

  test("only fds 0, 1 and 2 reach the container", () => {
    // ls opens one directory fd of its own while listing.
    const fds = b.ok(["run", "--rm", "busybox", "ls", "/proc/self/fd"]).trim().split("\n");
    expect(fds.filter((f) => !["0", "1", "2"].includes(f)).length).toBeLessThanOrEqual(1);
    expect(fds.slice(0, 3)).toEqual(["0", "1", "2"]);
  });

  test("--network none has only loopback, and it is up", () => {
    const out = b.ok(["run", "--rm", "--network", "none", "busybox", "sh", "-c", "ls /sys/class/net; ip -o link show lo"]);
    expect(out.split("\n")[0]).toBe("lo");
    expect(out).toContain("UP");
  });

  test("--network host shares the host's interfaces", () => {
    const host = readdirSync("/sys/class/net").sort();
    const out = b.ok(["run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net"]).trim().split("\n").sort();
    expect(out).toEqual(host);
  });

  test("Docker's masked and read-only paths", () => {
    const r = b.run(["run", "--rm", "busybox", "sh", "-c", "cat /proc/kcore | wc -c; echo 1 > /proc/sys/kernel/domainname"]);
    expect(r.stdout.trim()).toBe("0");
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  test("/dev holds the standard nodes on a tmpfs", () => {
    const out = b.ok(["run", "--rm", "busybox", "sh", "-c", "ls /dev | sort | tr '\\n' ' '; echo; grep ' /dev ' /proc/mounts"]);
    for (const node of ["null", "zero", "full", "random", "urandom", "tty", "pts", "shm", "mqueue", "ptmx", "fd", "stdin"]) expect(out).toContain(node);
    expect(out).toMatch(/tmpfs \/dev tmpfs/);
  });
});

test("the bundle written for a container is a valid OCI runtime spec", () => {
  const { RuntimeSpecSchema } = require("../../src/runtime/spec.ts");
  const id = b.ok(["create", "-v", "/tmp:/t:ro", "--tmpfs", "/scratch", "-u", "nobody", "busybox", "true"]).trim();
  b.ok(["start", "-a", id]);
  const spec = RuntimeSpecSchema.parse(JSON.parse(readFileSync(join(b.root, "containers", id, "config.json"), "utf8")));
  expect(spec.process.user).toEqual({ uid: 65534, gid: 65534, additionalGids: [65534] });
  expect(spec.mounts.map((m: { destination: string }) => m.destination)).toEqual(expect.arrayContaining(["/proc", "/dev", "/t", "/scratch"]));
  b.ok(["rm", id]);
});
