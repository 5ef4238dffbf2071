// Detached containers under their monitor: run -d, stop, kill, wait, restart,
// attach, --rm, --init, and what happens when the monitor or the container's
// init is killed from outside.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { watchUntil } from "../../src/lib/watch-until.ts";
import { Bunker, BUNKER, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const inspect = (ref: string, format: string) => b.ok(["inspect", "-f", format, ref]).trim();
const running = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
  } catch {
    return false;
  }
};
/** Resolves once `done()` holds, re-checking whenever the container's directory changes (no polling). */
const until = (id: string, done: () => boolean) => watchUntil(`${b.root}/containers/${id}`, done);
const runFile = (id: string) => JSON.parse(readFileSync(`${b.root}/run/containers/${id}.json`, "utf8"));
/** Returns once the container has created /ready: its shell has run what came before (a trap, an echo). */
const ready = (name: string) => b.ok(["exec", name, "sh", "-c", "until [ -e /ready ]; do :; done"]);

test("run -d prints the full id, returns while the container runs on, and its output lands in a json-file log", async () => {
  const id = b.ok(["run", "-d", "--name", "ticker", "busybox", "sh", "-c", "echo one; echo two >&2; touch /ready; exec sleep 1000"]).trim();
  expect(id).toMatch(/^[a-f0-9]{64}$/);
  expect(inspect("ticker", "{{.State.Status}}")).toBe("running");
  expect(running(Number(inspect("ticker", "{{.State.Pid}}")))).toBe(true);
  // The monitor, not the CLI, is the container's parent, and it is small. Its private memory is what each
  // container costs; its file pages are shared by every monitor, and how many are mapped depends on the page cache.
  const monitor = runFile(id).MonitorPid;
  const status = readFileSync(`/proc/${monitor}/status`, "utf8");
  expect(Number(/RssAnon:\s+(\d+)/.exec(status)![1])).toBeLessThanOrEqual(512);
  ready("ticker");
  b.ok(["stop", "-t", "0", "ticker"]); // the log is complete once the container has exited
  const entries = readFileSync(`${b.root}/containers/${id}/${id}-json.log`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(entries.map((e) => [e.log, e.stream])).toEqual([["one\n", "stdout"], ["two\n", "stderr"]]);
  for (const e of entries) expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
});

test("stop sends the stop signal, and SIGKILL only when the timeout passes", () => {
  b.ok(["run", "-d", "--name", "polite", "busybox", "sh", "-c", "trap 'exit 0' TERM; touch /ready; while true; do sleep 0.1; done"]);
  b.ok(["run", "-d", "--name", "stubborn", "busybox", "sleep", "1000"]); // PID 1 ignores SIGTERM
  ready("polite"); // a signal that comes before the trap is set is dropped: the shell is PID 1
  expect(b.ok(["stop", "-t", "1", "polite", "stubborn"])).toBe("polite\nstubborn\n");
  expect(inspect("polite", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 0");
  expect(inspect("stubborn", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 137");
  // --stop-signal is honoured, and stopping a stopped container is no error.
  b.ok(["run", "-d", "--name", "hup", "--stop-signal", "HUP", "busybox", "sh", "-c", "trap 'exit 7' HUP; touch /ready; while true; do sleep 0.1; done"]);
  ready("hup");
  b.ok(["stop", "hup"]);
  expect(inspect("hup", "{{.State.ExitCode}}")).toBe("7");
  expect(b.ok(["stop", "hup"])).toBe("hup\n");
});

test("wait prints each exit code; kill sends a signal; restart runs the container again", async () => {
  b.ok(["run", "-d", "--name", "w1", "busybox", "sh", "-c", "trap 'exit 3' USR1; touch /ready; while true; do sleep 0.1; done"]);
  b.ok(["run", "-d", "--name", "w2", "busybox", "sleep", "1000"]);
  ready("w1");
  const waiting = b.runAsync(["wait", "w1", "w2"]);
  b.ok(["kill", "-s", "USR1", "w1"]);
  b.ok(["kill", "w2"]);
  expect(await waiting).toEqual({ stdout: "3\n137\n", stderr: "", exitCode: 0 });
  expect(b.ok(["wait", "w1"])).toBe("3\n"); // already exited: its last code
  expectOneLineError(b.run(["kill", "w1"]), 1, /is not running/);
  expectOneLineError(b.run(["kill", "-s", "NOPE", "w2"]), 1, /invalid signal/);

  const before = inspect("w2", "{{.State.StartedAt}}");
  expect(b.ok(["restart", "-t", "0", "w2"])).toBe("w2\n");
  expect(inspect("w2", "{{.State.Status}}")).toBe("running");
  expect(inspect("w2", "{{.State.StartedAt}}")).not.toBe(before);
  b.ok(["rm", "-f", "w2"]);
});

test("after kill -9 of the container's init the monitor records 137", async () => {
  b.ok(["run", "-d", "--name", "victim", "busybox", "sleep", "1000"]);
  const waiting = b.runAsync(["wait", "victim"]);
  process.kill(Number(inspect("victim", "{{.State.Pid}}")), "SIGKILL");
  expect((await waiting).stdout).toBe("137\n");
  expect(inspect("victim", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 137");
});

test("after kill -9 of the monitor, ps and inspect still tell the truth", () => {
  const id = b.ok(["run", "-d", "--name", "orphan", "busybox", "sleep", "1000"]).trim();
  const { MonitorPid: monitor, Pid: pid } = runFile(id);
  process.kill(monitor, "SIGKILL");
  // The container itself runs on…
  expect(running(pid)).toBe(true);
  expect(b.ok(["ps", "--format", "{{.Names}} {{.State}}"])).toContain("orphan running");
  // …and once it is stopped, nobody recorded a code: inspect says so.
  b.ok(["stop", "-t", "0", "orphan"]);
  expect(inspect("orphan", "{{.State.Status}} {{.State.ExitCode}}")).toBe("exited 255");
  expect(inspect("orphan", "{{.State.Error}}")).toContain("monitor");
});

test("run -d --rm removes the container when it exits", async () => {
  const id = b.ok(["run", "-d", "--rm", "busybox", "sleep", "1000"]).trim();
  const waiter = Bun.spawn([BUNKER, "--root", b.root, "wait", "--condition", "removed", id], { stdout: "pipe", stderr: "pipe" });
  // The waiter must have reached the monitor before the container goes: a unix socket of its own says it has.
  while (!Bun.spawnSync(["ss", "-xpH"]).stdout.toString().includes(`pid=${waiter.pid},`)) await new Promise((r) => setImmediate(r));
  await b.runAsync(["stop", "-t", "0", id]);
  expect(await new Response(waiter.stdout).text()).toBe("137\n");
  expect(b.ok(["ps", "-a", "-q", "--no-trunc"])).not.toContain(id);
});

test("attach joins a running container's output and stdin, and returns its exit code", async () => {
  b.ok(["run", "-d", "-i", "--name", "reader", "busybox", "sh", "-c", "read line; echo got $line; exit 4"]);
  const r = await b.runAsync(["attach", "reader"], { stdin: "hello\n" });
  expect(r).toEqual({ stdout: "got hello\n", stderr: "", exitCode: 4 });
  expectOneLineError(b.run(["attach", "reader"]), 1, /You cannot attach to a stopped container, start it first/);
});

test("a foreground run keeps stdout and stderr apart and passes stdin through", () => {
  const r = b.run(["run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo err >&2; exit 2"], { stdin: "in\n" });
  expect([r.stdout, r.stderr, r.exitCode]).toEqual(["in\n", "err\n", 2]);
});

test("--init runs docker-init as PID 1, which forwards signals and passes on the exit code", () => {
  expect(b.ok(["run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline"]).split("\0")).toEqual(["/sbin/docker-init", "--", "cat", "/proc/1/cmdline", ""]);
  expect(b.run(["run", "--rm", "--init", "busybox", "sh", "-c", "exit 6"]).exitCode).toBe(6);
  // sleep as PID 1 would ignore SIGTERM; under docker-init it dies of it at once.
  b.ok(["run", "-d", "--init", "--name", "inited", "busybox", "sleep", "1000"]);
  b.ok(["stop", "-t", "100", "inited"]);
  expect(inspect("inited", "{{.State.ExitCode}}")).toBe("143");
});

test("restart policies are checked", () => {
  expectOneLineError(b.run(["run", "--restart", "sometimes", "busybox", "true"]), 125, /invalid restart policy/);
  expectOneLineError(b.run(["run", "--rm", "--restart", "always", "busybox", "true"]), 125, /Conflicting options: --restart and --rm/);
  expectOneLineError(b.run(["run", "--stop-signal", "SIGNOPE", "busybox", "true"]), 125, /invalid signal/);
});

test("--restart on-failure:3 restarts a failing container exactly 3 times", async () => {
  const id = b.ok(["run", "-d", "--restart", "on-failure:3", "busybox", "sh", "-c", "echo ran; exit 2"]).trim();
  await until(id, () => inspect(id, "{{.State.Status}} {{.RestartCount}}") === "exited 3");
  expect(inspect(id, "{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}")).toBe("2 on-failure");
  expect(b.ok(["logs", id])).toBe("ran\n".repeat(4));
});

test("stop keeps an always-restarting container down", async () => {
  const id = b.ok(["run", "-d", "--restart", "always", "--init", "busybox", "sleep", "1000"]).trim();
  b.ok(["stop", id]);
  expect(inspect(id, "{{.State.Status}} {{.RestartCount}}")).toBe("exited 0");
});

test("within its start period the monitor probes at --health-start-interval until a probe passes", async () => {
  // An hour's interval: only the start interval can bring the first probe in time.
  const id = b.ok(["run", "-d", "--health-cmd", "test -e /tmp/up", "--health-interval", "1h", "--health-start-period", "1h", "--health-start-interval", "100ms", "busybox", "sh", "-c", "touch /tmp/up; exec sleep 1000"]).trim();
  await until(id, () => inspect(id, "{{.State.Health.Status}}") === "healthy");
  expect(inspect(id, "{{.Config.Healthcheck.StartInterval}}")).toBe("100000000");
  b.ok(["rm", "-f", id]);
});

test("kill calls off an always policy, as docker's does, unless the container's own --stop-signal is another signal", async () => {
  const script = "trap 'exit 5' HUP; trap 'exit 6' USR1; touch /ready; while true; do sleep 0.1; done";
  const [plain, custom, stopped] = [[], ["--stop-signal", "USR1"], ["--stop-signal", "USR1"]].map((flags) => b.ok(["run", "-d", "--restart", "always", ...flags, "busybox", "sh", "-c", script]).trim());
  for (const id of [plain, custom, stopped]) ready(id);
  // The monitor ends once its cleanup has decided (and made) any restart.
  const decided = async (id: string) => {
    const monitor = runFile(id).MonitorPid;
    while (existsSync(`/proc/${monitor}`)) await Bun.sleep(20);
  };
  const kills = [[plain, "HUP"], [custom, "HUP"], [stopped, "USR1"]].map(([id, signal]) => {
    const deciding = decided(id);
    b.ok(["kill", "-s", signal, id]);
    return deciding;
  });
  await Promise.all(kills);
  expect(inspect(plain, "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}")).toBe("exited 5 0");
  expect(inspect(custom, "{{.State.Status}} {{.RestartCount}}")).toBe("running 1");
  expect(inspect(stopped, "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}")).toBe("exited 6 0");
  b.ok(["rm", "-f", plain, custom, stopped]);
});

test("the monitor runs the health check: a failing one turns the container unhealthy", async () => {
  const id = b.ok(["run", "-d", "--health-cmd", "exit 1", "--health-interval", "100ms", "--health-retries", "2", "busybox", "sleep", "1000"]).trim();
  // Before its first probe a container is "starting" (an hour's interval keeps it there).
  const unprobed = b.ok(["run", "-d", "--health-cmd", "exit 1", "--health-interval", "1h", "busybox", "sleep", "1000"]).trim();
  expect(inspect(unprobed, "{{.State.Health.Status}}")).toBe("starting");
  b.ok(["rm", "-f", unprobed]);
  await until(id, () => inspect(id, "{{.State.Health.Status}}") === "unhealthy");
  expect(Number(inspect(id, "{{.State.Health.FailingStreak}}"))).toBeGreaterThanOrEqual(2);
  b.ok(["rm", "-f", id]);
});

test("50 detached containers, then exec, logs and stop across all of them at once, stay consistent", async () => {
  const names = Array.from({ length: 50 }, (_, i) => `many${i}`);
  const started = await Promise.all(names.map((n) => b.runAsync(["run", "-d", "--init", "--name", n, "busybox", "sh", "-c", `echo hello ${n}; exec sleep 1000`])));
  for (const r of started) expect([r.exitCode, r.stderr]).toEqual([0, ""]);
  const [execs, logs] = await Promise.all([
    Promise.all(names.map((n) => b.runAsync(["exec", n, "hostname"]))),
    Promise.all(names.map((n) => b.runAsync(["logs", n]))),
  ]);
  names.forEach((n, i) => {
    expect(execs[i]).toEqual({ stdout: `${inspect(n, "{{.Config.Hostname}}")}\n`, stderr: "", exitCode: 0 });
  });
  // A log may still be empty if the container has not printed yet; what is there is whole and its own.
  names.forEach((n, i) => expect(["", `hello ${n}\n`]).toContain(logs[i].stdout));
  const stops = await Promise.all(names.map((n) => b.runAsync(["stop", n])));
  for (const r of stops) expect(r.exitCode).toBe(0);
  const states = b.ok(["ps", "-a", "--format", "{{.Names}} {{.State}}"]).trim().split("\n").filter((l) => l.startsWith("many")).sort();
  expect(states).toEqual(names.map((n) => `${n} exited`).sort());
  expect(b.ok(["inspect", "-f", "{{.State.ExitCode}}", ...names]).trim().split("\n")).toEqual(names.map(() => "143"));
  b.ok(["rm", ...names]);
});

test("a counting container: logs -f streams its lines, logs --tail 3 the last three", async () => {
  const id = b.ok(["run", "-d", "busybox", "sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done"]).trim();
  const follower = Bun.spawn([BUNKER, "--root", b.root, "logs", "-f", id], { stdout: "pipe", stderr: "pipe" });
  // Read the live stream to its end; `reached5` resolves as the counter's line 5 arrives.
  let seen = "";
  let reached5!: () => void;
  const fiveSeen = new Promise<void>((r) => (reached5 = r));
  const reading = (async () => {
    for await (const chunk of follower.stdout) {
      seen += new TextDecoder().decode(chunk);
      if (seen.includes("\n5\n")) reached5();
    }
  })();
  await fiveSeen;
  expect(seen.startsWith("0\n1\n2\n3\n4\n5\n")).toBe(true);
  const tail = b.ok(["logs", "--tail", "3", id]).split("\n").filter(Boolean).map(Number);
  expect(tail.length).toBe(3);
  expect(tail[1]).toBe(tail[0] + 1);
  expect(tail[2]).toBe(tail[1] + 1);
  // The shell as PID 1 ignores SIGTERM: stop waits out -t, then kills; the follower ends with the container.
  b.ok(["stop", "-t", "1", id]);
  expect(await follower.exited).toBe(0);
  await reading;
  const numbers = seen.trim().split("\n").map(Number);
  expect(numbers).toEqual(numbers.map((_, i) => i)); // every line once, in order
  expect(b.ok(["wait", id])).toBe("137\n");
});

test("--log-opt max-size and max-file rotate the log, and logs reads across the files", () => {
  b.ok(["run", "--name", "rotating", "--log-opt", "max-size=2k", "--log-opt", "max-file=3", "busybox", "sh", "-c", "i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); done"]);
  const cid = inspect("rotating", "{{.Id}}");
  const dir = `${b.root}/containers/${cid}`;
  const files = readdirSync(dir).filter((f) => f.includes("-json.log")).sort();
  expect(files).toEqual([`${cid}-json.log`, `${cid}-json.log.1`, `${cid}-json.log.2`]);
  for (const f of files) expect(statSync(`${dir}/${f}`).size).toBeLessThanOrEqual(2000);
  // The oldest lines were rotated away; what is kept is in order and ends with the last line.
  const lines = b.ok(["logs", cid]).trim().split("\n");
  expect(lines.at(-1)).toBe("line 199");
  expect(lines.length).toBeLessThan(200);
  lines.forEach((l, i) => i > 0 && expect(Number(l.split(" ")[1])).toBe(Number(lines[i - 1].split(" ")[1]) + 1));
});

test("--log-opt labels and env add docker's attrs to each entry, shown by logs --details", () => {
  b.ok(["run", "--name", "attrs", "--label", "service=db", "-e", "MODE=test", "--log-opt", "labels=service", "--log-opt", "env=MODE", "busybox", "echo", "hi"]);
  expect(b.ok(["logs", "--details", "attrs"])).toBe("MODE=test,service=db hi\n");
  expect(b.ok(["logs", "attrs"])).toBe("hi\n");
});

test("start right after a detached container exited runs it again, though nobody had recorded the exit yet", async () => {
  const id = b.ok(["run", "-d", "busybox", "sh", "-c", "exit 3"]).trim();
  await until(id, () => existsSync(`${b.root}/containers/${id}/exit`)); // the monitor's record, not yet read by anyone
  expect(b.run(["start", "-a", id]).exitCode).toBe(3);
  b.ok(["rm", id]);
});
