import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, busyboxTar } from "./harness.ts";

let b: Bunker;
let hostDir: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  hostDir = mkdtempSync("/var/tmp/bunker-bind-");
});
afterAll(() => {
  b.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
});

test("-e sets variables, a bare NAME takes the caller's value, and PATH/HOSTNAME/HOME are set", () => {
  const out = b.ok(["run", "--rm", "-e", "A=1", "--env", "B=two words", "-e", "FROM_HOST", "-h", "hh", "busybox", "env"], {
    env: { FROM_HOST: "yes" },
  });
  const env = out.trim().split("\n");
  expect(env).toContain("A=1");
  expect(env).toContain("B=two words");
  expect(env).toContain("FROM_HOST=yes");
  expect(env).toContain("HOSTNAME=hh");
  expect(env).toContain("HOME=/root");
  expect(env.find((e) => e.startsWith("PATH="))).toBe("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
});

test("--env-file reads KEY=VALUE lines, skipping comments, and -e wins over it", () => {
  const file = join(hostDir, "env");
  writeFileSync(file, "# comment\nX=from-file\n\nY=also\n");
  const out = b.ok(["run", "--rm", "--env-file", file, "-e", "Y=flag", "busybox", "env"]);
  expect(out).toContain("X=from-file\n");
  expect(out).toContain("Y=flag\n");
  expect(out).not.toContain("comment");
});

test("-w sets (and creates) the working directory", () => {
  expect(b.ok(["run", "--rm", "-w", "/tmp", "busybox", "pwd"]).trim()).toBe("/tmp");
  expect(b.ok(["run", "--rm", "-w", "/new/dir", "busybox", "pwd"]).trim()).toBe("/new/dir");
});

test("-u nobody runs as nobody, resolved from the image's passwd; uid:gid works too", () => {
  expect(b.ok(["run", "--rm", "-u", "nobody", "busybox", "id"]).trim()).toBe("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)");
  expect(b.ok(["run", "--rm", "-u", "1000:1000", "busybox", "id", "-u"]).trim()).toBe("1000");
  expect(b.ok(["run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "echo $HOME"]).trim()).toBe("/nonexistent");
});

test("-v binds a host directory, read-write and :ro", () => {
  writeFileSync(join(hostDir, "in.txt"), "from host\n");
  expect(b.ok(["run", "--rm", "-v", `${hostDir}:/data`, "busybox", "sh", "-c", "cat /data/in.txt; echo from container > /data/out.txt"])).toBe("from host\n");
  expect(readFileSync(join(hostDir, "out.txt"), "utf8")).toBe("from container\n");
  const ro = b.run(["run", "--rm", "-v", `${hostDir}:/data:ro`, "busybox", "sh", "-c", "cat /data/in.txt && echo x > /data/ro.txt"]);
  expect(ro.stdout).toBe("from host\n");
  expect(ro.stderr).toMatch(/Read-only file system/);
  expect(ro.exitCode).not.toBe(0);
});

test("-v binds a single file", () => {
  writeFileSync(join(hostDir, "single"), "one file\n");
  expect(b.ok(["run", "--rm", "-v", `${hostDir}/single:/etc/single:ro`, "busybox", "cat", "/etc/single"])).toBe("one file\n");
});

test("--tmpfs mounts a tmpfs", () => {
  expect(b.ok(["run", "--rm", "--tmpfs", "/scratch", "busybox", "sh", "-c", "grep ' /scratch ' /proc/mounts | cut -d' ' -f3"]).trim()).toBe("tmpfs");
});

test("--entrypoint replaces the image's entrypoint and resets its CMD", () => {
  b.ok(["import", "--change", 'ENTRYPOINT ["echo", "ep"]', "--change", 'CMD ["from-cmd"]', busyboxTar(), "epimage"]);
  expect(b.ok(["run", "--rm", "epimage"]).trim()).toBe("ep from-cmd");
  expect(b.ok(["run", "--rm", "epimage", "args"]).trim()).toBe("ep args");
  expect(b.ok(["run", "--rm", "--entrypoint", "echo", "epimage"]).trim()).toBe("");
  expect(b.ok(["run", "--rm", "--entrypoint", "echo", "epimage", "x"]).trim()).toBe("x");
  expect(b.ok(["run", "--rm", "--entrypoint=", "epimage", "echo", "reset"]).trim()).toBe("reset");
});

test("combined short flags and flags after the image belong to the container", () => {
  expect(b.ok(["run", "--rm", "-i", "busybox", "cat"], { stdin: "piped\n" })).toBe("piped\n");
  expect(b.ok(["run", "--rm", "busybox", "echo", "-e", "--rm", "-it"]).trim()).toBe("--rm -it");
});

test("--name names the container; a second one with the same name is refused", () => {
  b.ok(["create", "--name", "named", "busybox", "true"]);
  const r = b.run(["create", "--name", "named", "busybox", "true"]);
  expect(r.exitCode).toBe(125);
  expect(r.stderr).toMatch(/The container name "\/named" is already in use/);
  b.ok(["rm", "named"]);
});
