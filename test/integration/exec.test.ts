// exec, top and healthcheck run against real running containers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, BUNKER, cgroupFile, expectOneLineError } from "./harness.ts";

let b: Bunker;
let scratch: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-exec-test-");
  b.ok(["run", "-d", "--name", "box", "--hostname", "boxhost", "-e", "FROM_RUN=1", "-v", `${scratch}:/shared`, "busybox", "sleep", "600"]);
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const inspect = (ref: string, format: string) => b.ok(["inspect", "-f", format, ref]).trim();

describe("exec", () => {
  test("runs in the container's pid, uts and mount namespaces", () => {
    const out = b.ok(["exec", "box", "sh", "-c", "tr '\\0' ' ' </proc/1/cmdline; echo; hostname; ls /shared >/dev/null && echo mounted"]);
    expect(out).toBe("sleep 600 \nboxhost\nmounted\n");
    // The very namespaces of the container's init: the links name the same inodes.
    const pid = inspect("box", "{{.State.Pid}}");
    const names = ["mnt", "uts", "ipc", "net", "pid"];
    const links = b.ok(["exec", "box", "sh", "-c", `for n in ${names.join(" ")}; do readlink /proc/self/ns/$n; done`]);
    expect(links).toBe(names.map((n) => `${readlinkSync(`/proc/${pid}/ns/${n}`)}\n`).join(""));
  });

  test("passes on the exit code; a missing command is 127 and a non-executable one 126, with docker's message", () => {
    expect(b.run(["exec", "box", "sh", "-c", "exit 3"]).exitCode).toBe(3);
    const missing = b.run(["exec", "box", "no-such-command"]);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-command": executable file not found in $PATH: unknown\n');
    const notExecutable = b.run(["exec", "box", "/etc/passwd"]);
    expect(notExecutable.exitCode).toBe(126);
    expect(notExecutable.stderr).toContain("permission denied");
  });

  test("takes the container's environment, user and working directory, and -e, --env-file, -u, -w over them", () => {
    expect(b.ok(["exec", "box", "sh", "-c", "echo $FROM_RUN $HOSTNAME; id -u; pwd"])).toBe("1 boxhost\n0\n/\n");
    const envFile = join(scratch, "env");
    writeFileSync(envFile, "FROM_FILE=2\n");
    const out = b.ok(["exec", "-e", "FROM_RUN=changed", "--env-file", envFile, "-u", "nobody", "-w", "/tmp", "box", "sh", "-c", "echo $FROM_RUN $FROM_FILE; id; pwd"]);
    expect(out).toBe("changed 2\nuid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n/tmp\n");
    expect(b.ok(["exec", "-u", "1234:5678", "box", "id", "-u"])).toBe("1234\n");
    expect(b.ok(["exec", "-u", "nobody", "box", "sh", "-c", "echo $HOME"])).toBe("/nonexistent\n");
    const missing = b.run(["exec", "-w", "/no/such/dir", "box", "pwd"]);
    expect([missing.stderr, missing.exitCode]).toEqual([
      'OCI runtime exec failed: exec failed: unable to start container process: chdir to cwd ("/no/such/dir") set in config.json failed: no such file or directory: unknown\n',
      126,
    ]);
  });

  test("keeps the container's capabilities and seccomp filter; --privileged gives all and no filter", () => {
    const status = (args: string[]) => b.ok(["exec", ...args, "box", "grep", "-E", "^(CapBnd|Seccomp):", "/proc/self/status"]);
    expect(status([])).toBe("CapBnd:\t00000000a80425fb\nSeccomp:\t2\n");
    const privileged = status(["--privileged"]);
    expect(privileged).toContain("Seccomp:\t0\n");
    expect(privileged).not.toContain("00000000a80425fb");
  });

  test("the process is in the container's cgroup", () => {
    const own = b.ok(["exec", "box", "cat", "/proc/self/cgroup"]);
    const init = readFileSync(`/proc/${inspect("box", "{{.State.Pid}}")}/cgroup`, "utf8");
    expect(own).toBe(init);
    expect(own).toContain(`/bunker/${inspect("box", "{{.Id}}")}`);
  });

  test("signals sent to the CLI reach the process; a killed process gives 128+signal", async () => {
    const cli = Bun.spawn([BUNKER, "--root", b.root, "exec", "box", "sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"], { stdout: "pipe" });
    const reader = cli.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
    cli.kill("SIGTERM");
    expect(await cli.exited).toBe(7);
    expect(b.run(["exec", "box", "sh", "-c", "kill -KILL $$"]).exitCode).toBe(137);
  });

  test("-i passes stdin; without it stdin is empty", () => {
    expect(b.ok(["exec", "-i", "box", "cat"], { stdin: "piped\n" })).toBe("piped\n");
    expect(b.ok(["exec", "box", "cat"], { stdin: "piped\n" })).toBe("");
  });

  test("stdin and output larger than a pipe's buffer pass through whole, with EOF, and the exit code comes back", async () => {
    const input = Array.from({ length: 1 << 14 }, (_, i) => `line ${i} ${"x".repeat(50)}\n`).join(""); // 1 MiB
    const piped = await b.runAsync(["exec", "-i", "box", "sh", "-c", "cat; head -c 200000 /dev/zero >&2; exit 3"], { stdin: input });
    expect([piped.stdout === input, piped.stderr.length, piped.exitCode]).toEqual([true, 200000, 3]);
    // A process that stops reading its stdin early: exec still ends, with its code.
    expect(b.run(["exec", "-i", "box", "sh", "-c", "head -c 10 >/dev/null; exit 4"], { stdin: input }).exitCode).toBe(4);
  });

  test("-d returns at once and leaves the process running in the container", () => {
    const r = b.run(["exec", "-d", "box", "sh", "-c", "echo $$ > /shared/detached; exec sleep 601"]);
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(["", "", 0]);
    const pid = b.ok(["exec", "box", "sh", "-c", "until [ -s /shared/detached ]; do :; done; cat /shared/detached"]).trim();
    expect(b.ok(["exec", "box", "ps", "-o", "pid,args"])).toMatch(new RegExp(`^ *${pid} +sleep 601$`, "m"));
    b.ok(["exec", "box", "kill", pid]);
  });

  test("a stopped, missing or userless target fails with docker's one-line errors", () => {
    const id = b.ok(["create", "--name", "stopped", "busybox", "true"]).trim();
    const r = b.run(["exec", "stopped", "true"]);
    expect([r.stderr, r.exitCode]).toEqual([`Error response from daemon: container ${id} is not running\n`, 1]);
    expectOneLineError(b.run(["exec", "nonexistent", "true"]), 1, /^Error response from daemon: No such container: nonexistent\n$/);
    expectOneLineError(b.run(["exec", "-u", "nosuchuser", "box", "true"]), 125, /unable to find user nosuchuser/);
    expectOneLineError(b.run(["exec", "box"]), 125, /"bunker exec" requires at least 2 arguments/);
    b.ok(["rm", "stopped"]);
  });

  test("enters a container's user namespace too", () => {
    b.ok(["run", "-d", "--name", "mapped", "--uidmap", "0:200000:65536", "busybox", "sleep", "600"]);
    expect(b.ok(["exec", "mapped", "sh", "-c", "id -u; cat /proc/self/uid_map"]).split(/\s+/).filter(Boolean)).toEqual(["0", "0", "200000", "65536"]);
    b.ok(["rm", "-f", "mapped"]);
  });

  test("many execs run side by side in several containers", async () => {
    b.ok(["run", "-d", "--name", "box2", "busybox", "sleep", "600"]);
    const runs = Array.from({ length: 12 }, (_, i) => b.runAsync(["exec", i % 2 ? "box" : "box2", "sh", "-c", `echo ${i}; exit ${i}`]));
    const results = await Promise.all(runs);
    results.forEach((r, i) => expect([r.stdout, r.exitCode]).toEqual([`${i}\n`, i]));
    b.ok(["rm", "-f", "box2"]);
  });
});

describe("exec under a terminal", () => {
  function underPty(command: string, input = ""): { output: string; exitCode: number } {
    const r = Bun.spawnSync(["script", "-qefc", command, "/dev/null"], { stdin: Buffer.from(input) });
    return { output: r.stdout.toString(), exitCode: r.exitCode ?? -1 };
  }
  test("-it gives the process a terminal in the container's devpts; typed input runs, the exit code is passed on", () => {
    const r = underPty(`${BUNKER} --root ${b.root} exec -it box sh`, "tty; echo typed; exit 5\n");
    expect(r.output).toMatch(/\/dev\/pts\/\d+/);
    expect(r.output).toContain("typed");
    expect(r.exitCode).toBe(5);
  });

  test("the terminal's size follows the caller's, at the start and when it changes", () => {
    // The process reports its first size, then waits until the caller's terminal is resized.
    const inner = "stty size; touch /shared/sized; until [ \"$(stty size)\" = \"40 120\" ]; do :; done; echo resized $(stty size)";
    rmSync(join(scratch, "sized"), { force: true });
    const outer = `stty rows 33 cols 101; ${BUNKER} --root ${b.root} exec -it box sh -c '${inner}' </dev/tty & until [ -e ${scratch}/sized ]; do :; done; stty rows 40 cols 120; wait $!`;
    const r = underPty(outer);
    expect(r.output).toContain("33 101");
    expect(r.output).toContain("resized 40 120");
    expect(r.exitCode).toBe(0);
  });

  test("-it without a terminal on stdin is refused", () => {
    expectOneLineError(b.run(["exec", "-it", "box", "true"], { stdin: "" }), 1, /^bunker: the input device is not a TTY\n$/);
  });
});

describe("top", () => {
  test("shows the container's processes under ps's header, and only those", () => {
    const out = b.ok(["top", "box"]).split("\n").filter(Boolean);
    expect(out[0]).toMatch(/^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    const pids = out.slice(1).map((l) => l.split(/ +/)[1]);
    expect(pids).toContain(inspect("box", "{{.State.Pid}}"));
    const inCgroup = cgroupFile(inspect("box", "{{.Id}}"), "pids", "cgroup.procs").split("\n");
    for (const pid of pids) expect(inCgroup).toContain(pid);
    expect(out.some((l) => l.endsWith("sleep 600"))).toBe(true);
  });

  test("passes ps options on; without a PID column, or on a stopped container, it fails", () => {
    expect(b.ok(["top", "box", "-o", "pid,comm"]).split("\n")[0]).toMatch(/^PID +COMMAND$/);
    expectOneLineError(b.run(["top", "box", "-o", "comm"]), 1, /^Error response from daemon: Couldn't find PID field in ps output\n$/);
    const id = b.ok(["create", "busybox", "true"]).trim();
    expectOneLineError(b.run(["top", id]), 1, /is not running/);
    b.ok(["rm", id]);
  });
});

// An hour's interval keeps the monitor's own probes out of these counts.
describe("healthcheck run", () => {
  test("a failing check with one retry makes the container unhealthy; a passing one healthy", () => {
    b.ok(["run", "-d", "--name", "sick", "--health-cmd", "echo failing; exit 1", "--health-interval", "1h", "--health-retries", "1", "busybox", "sleep", "600"]);
    b.ok(["run", "-d", "--name", "fine", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "600"]);
    expect(JSON.parse(inspect("sick", "{{json .State.Health}}"))).toEqual({ Status: "starting", FailingStreak: 0, Log: [] });

    const sick = b.run(["healthcheck", "run", "sick"]);
    expect([sick.stdout, sick.exitCode]).toEqual(["unhealthy\n", 1]);
    const health = JSON.parse(inspect("sick", "{{json .State.Health}}"));
    expect(health).toMatchObject({ Status: "unhealthy", FailingStreak: 1 });
    expect(health.Log).toHaveLength(1);
    expect(health.Log[0]).toMatchObject({ ExitCode: 1, Output: "failing\n" });

    expect(b.run(["healthcheck", "run", "fine"]).exitCode).toBe(0);
    expect(inspect("fine", "{{.State.Health.Status}}")).toBe("healthy");
    expect(JSON.parse(inspect("fine", "{{json .Config.Healthcheck}}")).Test).toEqual(["CMD-SHELL", "true"]);
    b.ok(["rm", "-f", "sick", "fine"]);
  });

  test("keeps the last 5 results, counts failures up to the retries, and times a probe out", () => {
    b.ok(["run", "-d", "--name", "slow", "--health-cmd", "sleep 60", "--health-interval", "1h", "--health-timeout", "50ms", "--health-retries", "2", "busybox", "sleep", "600"]);
    expect(b.run(["healthcheck", "run", "slow"]).exitCode).toBe(1);
    const first = JSON.parse(inspect("slow", "{{json .State.Health}}"));
    expect(first).toMatchObject({ Status: "starting", FailingStreak: 1 });
    expect(first.Log[0]).toMatchObject({ ExitCode: -1, Output: "Health check exceeded timeout (50ms)" });
    for (let i = 0; i < 5; i++) b.run(["healthcheck", "run", "slow"]);
    const later = JSON.parse(inspect("slow", "{{json .State.Health}}"));
    expect(later).toMatchObject({ Status: "unhealthy", FailingStreak: 6 });
    expect(later.Log).toHaveLength(5);
    b.ok(["rm", "-f", "slow"]);
  });

  test("a container without a check has no State.Health, and healthcheck run refuses it", () => {
    expect(inspect("box", "{{json .State.Health}}")).toBe("null");
    expectOneLineError(b.run(["healthcheck", "run", "box"]), 125, /has no defined healthcheck/);
    expectOneLineError(b.run(["run", "--rm", "--no-healthcheck", "--health-cmd", "true", "busybox", "true"]), 125, /--no-healthcheck conflicts with --health-\* options/);
    expectOneLineError(b.run(["run", "--rm", "--health-interval", "soon", "busybox", "true"]), 125, /invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"/);
  });
});
