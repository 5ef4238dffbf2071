// Kill -9 of `run -d` and `start` at every step of a start (issue 19, item 3): after
// each kill, `ps -a` shows the truth, `system check` names what is left, `--repair`
// adopts a container its monitor runs or clears what runs without one, a retry
// succeeds, and no cgroup ever holds two inits. Steps: docs/storage.md, Crash windows.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "../harness.ts";
import { crashAt, exited, idOf, processesInCgroup, runFile, stateOf } from "./launch-window.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const CMD = ["busybox", "sleep", "1000"];

/** What each step leaves: the state ps shows, and what `system check` says of it. */
const STEPS: { step: string; state: string; check: RegExp | null }[] = [
  { step: "start.before-launch", state: "created", check: /has the run file or cgroup of an interrupted start, but nothing runs/ },
  { step: "start.monitor-recorded", state: "created", check: /has the run file or cgroup of an interrupted start, but nothing runs/ },
  { step: "start.after-launch", state: "running", check: /runs \(pid \d+, under its monitor \d+\), but the start that launched it was killed before recording it/ },
  { step: "start.after-record", state: "running", check: null },
];

/** After the kill: ps, check, repair, check again, and one init at most in the cgroup throughout. */
async function recover(name: string, state: string, check: RegExp | null): Promise<string> {
  const id = idOf(b, name);
  const monitor = runFile(b, id)?.MonitorPid;
  if (monitor && state === "created") await exited(monitor); // left without a program, it gives up
  expect(stateOf(b, name)).toBe(state);
  expect(processesInCgroup(id)).toBe(state === "running" ? 1 : 0);

  const found = b.run(["system", "check"]);
  if (check) {
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toMatch(new RegExp(`container ${name} ${check.source}`));
  } else expect(found).toMatchObject({ exitCode: 0, stdout: "No problems found\n" });

  expect(b.run(["system", "check", "--repair"]).exitCode).toBe(0);
  expect(b.run(["system", "check"])).toMatchObject({ exitCode: 0, stdout: "No problems found\n" });
  expect(stateOf(b, name)).toBe(state);
  expect(runFile(b, id)?.Starting).toBeUndefined();
  expect(processesInCgroup(id)).toBe(state === "running" ? 1 : 0);
  return id;
}

/** The retry: the container started (if it was not running), and a new `run -d` beside it; one init each. */
function retry(name: string, id: string): void {
  if (stateOf(b, name) !== "running") b.ok(["start", name]);
  else expect(b.run(["start", name]).stderr).toContain(`container ${name} is already running`);
  expect(stateOf(b, name)).toBe("running");
  expect(processesInCgroup(id)).toBe(1);
  b.ok(["run", "-d", "--name", `${name}-again`, "--network", "none", ...CMD]);
  expect(processesInCgroup(idOf(b, `${name}-again`))).toBe(1);
  b.ok(["rm", "-f", name, `${name}-again`]);
}

describe.each(STEPS)("kill -9 at $step", ({ step, state, check }) => {
  test("of run -d", async () => {
    const name = `run-${step.replace(".", "-")}`;
    crashAt(b, step, ["run", "-d", "--name", name, "--network", "none", ...CMD]);
    retry(name, await recover(name, state, check));
  });

  test("of start", async () => {
    const name = `start-${step.replace(".", "-")}`;
    b.ok(["create", "--name", name, "--network", "none", ...CMD]);
    crashAt(b, step, ["start", name]);
    retry(name, await recover(name, state, check));
  });
});

test("a start killed after launch is never started twice: start and compose-style retries see it running", () => {
  crashAt(b, "start.after-launch", ["run", "-d", "--name", "twice", "--network", "none", ...CMD]);
  const id = idOf(b, "twice");
  // Not repaired: the retry meets the raw leftover (before the fix, this start put a second init into the cgroup).
  expectOneLineError(b.run(["start", "twice"]), 1, /container twice is already running/);
  expect(processesInCgroup(id)).toBe(1);
  expect(runFile(b, id)?.Starting).toBe(true);
  expect(b.ok(["inspect", "-f", "{{.State.Running}} {{.State.Pid}}", "twice"]).trim()).toMatch(/^true [1-9]\d*$/);
  b.ok(["stop", "-t", "1", "twice"]); // stop reaches the init it found
  expect(stateOf(b, "twice")).toBe("exited");
  expect(processesInCgroup(id)).toBe(0);
  b.ok(["rm", "twice"]);
});

test("processes of a start whose monitor died too: start refuses the cgroup, --repair kills them, then start succeeds", async () => {
  crashAt(b, "start.after-launch", ["run", "-d", "--name", "orphan", "--network", "none", ...CMD]);
  const id = idOf(b, "orphan");
  const monitor = runFile(b, id)!.MonitorPid!;
  process.kill(monitor, "SIGKILL");
  await exited(monitor);
  expect(stateOf(b, "orphan")).toBe("created"); // nothing records its pid: the init is no monitor's child any more
  expect(processesInCgroup(id)).toBe(1);

  expectOneLineError(b.run(["start", "orphan"]), 1, /container orphan's cgroup still holds processes \(\d+\) of an interrupted start: run "bunker system check --repair"/);
  expect(processesInCgroup(id)).toBe(1);
  expect(b.run(["system", "check"]).stdout).toMatch(/container orphan is recorded as created, but its cgroup holds processes \(\d+\) left by an interrupted start/);
  expect(b.run(["system", "check", "--repair"]).stdout).toContain("repaired: killed its 1 process(es) and removed its cgroup");
  expect(b.run(["system", "check"]).exitCode).toBe(0);
  expect(processesInCgroup(id)).toBe(0);

  b.ok(["start", "orphan"]);
  expect(stateOf(b, "orphan")).toBe("running");
  expect(processesInCgroup(id)).toBe(1);
  b.ok(["rm", "-f", "orphan"]);
});
