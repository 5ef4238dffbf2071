import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Bunker, BUNKER } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

/** Gone, or a zombie: the orphaned container's reaper is the host's init, not us. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

const psLine = (name: string) => b.ok(["ps", "-a"]).split("\n").find((l) => l.endsWith(` ${name}`)) ?? "";

test("create, start -a, ps and rm move a container through its states", () => {
  const id = b.ok(["create", "--name", "life", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]).trim();
  expect(id).toMatch(/^[a-f0-9]{64}$/);
  expect(psLine("life")).toMatch(/^[a-f0-9]{12} +busybox +"sh -c 'echo out; ec…" +.* ago +Created +life$/);
  expect(b.ok(["ps"])).not.toContain("life"); // not running

  const r = b.run(["start", "-a", "life"]);
  expect([r.stdout, r.stderr, r.exitCode]).toEqual(["out\n", "err\n", 3]);
  expect(psLine("life")).toMatch(/ Exited \(3\) .* ago +life$/);

  // Found by name, full id and unique prefix.
  for (const ref of ["life", id, id.slice(0, 5)]) expect(b.ok(["inspect", "-f", "{{.Id}}", ref]).trim()).toBe(id);
  expect(b.ok(["rm", id.slice(0, 8)]).trim()).toBe(id.slice(0, 8));
  expect(b.run(["inspect", "life"]).exitCode).toBe(1);
});

test("inspect has docker's shape", () => {
  b.ok(["create", "--name", "shape", "-e", "K=V", "-w", "/tmp", "-v", "/tmp:/host-tmp:ro", "busybox", "echo", "hi"]);
  const [c] = JSON.parse(b.ok(["inspect", "shape"]));
  expect(c.Name).toBe("/shape");
  expect(c.Path).toBe("echo");
  expect(c.Args).toEqual(["hi"]);
  expect(c.Image).toMatch(/^sha256:[a-f0-9]{64}$/);
  expect(Object.keys(c.State)).toEqual(expect.arrayContaining(["Status", "Running", "ExitCode", "Pid", "StartedAt", "FinishedAt"]));
  expect(c.State.Status).toBe("created");
  expect(c.Config.Env).toContain("K=V");
  expect(c.Config.WorkingDir).toBe("/tmp");
  expect(c.Config.Image).toBe("busybox");
  expect(c.HostConfig.Binds).toEqual(["/tmp:/host-tmp:ro"]);
  expect(c.Mounts).toEqual([{ Type: "bind", Source: "/tmp", Destination: "/host-tmp", Mode: "ro", RW: false, Propagation: "rprivate" }]);
  expect(b.ok(["inspect", "--format", "{{json .Config.Cmd}}", "shape"]).trim()).toBe('["echo","hi"]');
  b.ok(["rm", "shape"]);
});

test("start without -a leaves the container running; rm refuses it, rm -f kills it", () => {
  b.ok(["create", "--name", "bg", "busybox", "sleep", "600"]);
  expect(b.ok(["start", "bg"]).trim()).toBe("bg");
  expect(psLine("bg")).toMatch(/ Up .* bg$/);
  expect(b.ok(["ps"])).toContain(" bg\n");
  const pid = Number(b.ok(["inspect", "-f", "{{.State.Pid}}", "bg"]).trim());
  expect(pid).toBeGreaterThan(0);
  const refused = b.run(["rm", "bg"]);
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toMatch(/container is running: stop the container before removing or force remove/);
  expect(b.ok(["rm", "-f", "bg"]).trim()).toBe("bg");
  expect(exited(pid)).toBe(true);
});

test("signals sent to the CLI reach the container", async () => {
  const p = Bun.spawn([BUNKER, "--root", b.root, "run", "--rm", "busybox", "sh", "-c", 'trap "echo got TERM; exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = p.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) out += new TextDecoder().decode((await reader.read()).value);
  p.kill("SIGTERM");
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  expect(await p.exited).toBe(7);
  expect(out).toBe("ready\ngot TERM\n");
});

test("invoked through a symlink named docker, it behaves the same and speaks as docker", () => {
  const dir = mkdtempSync("/var/tmp/bunker-argv0-");
  const docker = join(dir, "docker");
  symlinkSync(BUNKER, docker);
  try {
    expect(b.ok(["run", "--rm", "busybox", "echo", "via docker"], { argv0: docker })).toBe("via docker\n");
    const r = b.run(["run", "--nope", "busybox"], { argv0: docker });
    expect([r.exitCode, r.stderr]).toEqual([125, "docker: unknown flag: --nope\nSee 'docker run --help'.\n"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("version prints the version and git commit", () => {
  expect(b.ok(["version"])).toMatch(/Version: +\d+\.\d+\.\d+\n Git commit: +[0-9a-f]{7,}/);
});

test("help and usage errors", () => {
  expect(b.ok(["run", "--help"])).toContain("Usage:  bunker run [OPTIONS] IMAGE [COMMAND] [ARG...]");
  const r = b.run(["run"]);
  expect(r.exitCode).toBe(125);
  expect(r.stderr).toBe(`"bunker run" requires at least 1 argument.\nSee 'bunker run --help'.\n`.replace(/^/, "bunker: "));
  const unknown = b.run(["frobnicate"]);
  expect(unknown.exitCode).toBe(1); // docker's: only flag errors are 125
  expect(unknown.stderr).toMatch(/^bunker: 'frobnicate' is not a bunker command\.\n/);
});
