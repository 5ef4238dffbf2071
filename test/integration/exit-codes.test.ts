import { afterAll, beforeAll, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

test("the container's own exit code is passed on", () => {
  expect(b.run(["run", "--rm", "busybox", "sh", "-c", "exit 42"]).exitCode).toBe(42);
  expect(b.run(["run", "--rm", "busybox", "true"]).exitCode).toBe(0);
  expect(b.run(["run", "--rm", "busybox", "false"]).exitCode).toBe(1);
});

test("a container killed by a signal gives 128 + signal", async () => {
  // PID 1 ignores signals sent from inside its namespace, as in docker, so the kill comes from the host.
  const run = b.runAsync(["run", "--name", "killme", "busybox", "sleep", "600"]);
  let pid = 0;
  while (pid === 0) {
    const r = b.run(["inspect", "-f", "{{.State.Pid}}", "killme"]);
    pid = r.exitCode === 0 ? Number(r.stdout.trim()) : 0;
  }
  process.kill(pid, "SIGKILL");
  expect((await run).exitCode).toBe(137);
  expect(b.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "killme"]).trim()).toBe("exited 137");
  b.ok(["rm", "killme"]);
});

test("a missing command gives 127", () => {
  expectOneLineError(b.run(["run", "--rm", "busybox", "nosuchcommand"]), 127, /^bunker: exec: "nosuchcommand": executable file not found in \$PATH\n$/);
  expectOneLineError(b.run(["run", "--rm", "busybox", "/no/such"]), 127, /no such file or directory/);
});

test("a command that cannot be invoked gives 126", () => {
  expectOneLineError(b.run(["run", "--rm", "busybox", "/etc/passwd"]), 126, /^bunker: exec: "\/etc\/passwd": permission denied\n$/);
  expectOneLineError(b.run(["run", "--rm", "busybox", "/etc"]), 126, /permission denied/);
});

test("an unknown flag gives 125 and says what to do", () => {
  const r = b.run(["run", "--bogus", "busybox", "true"]);
  expect(r.exitCode).toBe(125);
  expect(r.stderr).toBe("bunker: unknown flag: --bogus\nSee 'bunker run --help'.\n");
});

test("engine errors give 125 with one line", () => {
  expectOneLineError(b.run(["run", "--rm", "--pull", "never", "nosuchimage", "true"]), 125, /^bunker: No such image: nosuchimage\n$/);
  expectOneLineError(b.run(["run", "--rm", "-u", "nosuchuser", "busybox", "true"]), 125, /unable to find user nosuchuser/);
  expectOneLineError(b.run(["run", "--rm", "-v", "/tmp:relative", "busybox", "true"]), 125, /invalid volume specification/); // the container path must be absolute
});

test("a failed start leaves the container as created, with the error recorded", () => {
  const id = b.ok(["create", "busybox", "nosuchcommand"]).trim();
  expect(b.run(["start", "-a", id]).exitCode).toBe(127);
  const state = JSON.parse(b.ok(["inspect", id]))[0].State;
  expect(state.Error).toContain("executable file not found");
  expect(state.ExitCode).toBe(127);
  b.ok(["rm", id]);
});
