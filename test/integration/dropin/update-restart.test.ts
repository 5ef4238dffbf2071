// issue 20 item 8: `update --restart POLICY` changes the restart policy, and a running container's monitor
// applies it at the next exit; docker refuses a policy for a --rm container.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const inspect = (name: string, format: string) => b.ok(["inspect", "-f", format, name]).trim();

test("a policy given to a running container restarts it when it next fails", () => {
  // Runs until told to fail (exec touches /tmp/go): then exits 5, and again at once after each restart.
  b.ok(["run", "-d", "--name", "flaky", "busybox", "sh", "-c", "until [ -e /tmp/go ]; do sleep 0.1; done; exit 5"]);
  expect(b.ok(["update", "--restart", "on-failure:1", "flaky"])).toBe("flaky\n");
  expect(inspect("flaky", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}")).toBe("on-failure:1");
  b.ok(["exec", "flaky", "touch", "/tmp/go"]);
  let seen = "";
  for (let i = 0; i < 600 && seen !== "1 exited 5"; i++) seen = inspect("flaky", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}");
  expect(seen).toBe("1 exited 5"); // restarted once, as on-failure:1 allows, then left exited
  b.ok(["rm", "-f", "flaky"]);
});

test("a stopped container keeps the new policy for its next run", () => {
  b.ok(["create", "--name", "later", "busybox", "true"]);
  b.ok(["update", "--restart", "unless-stopped", "later"]);
  expect(inspect("later", "{{.HostConfig.RestartPolicy.Name}}")).toBe("unless-stopped");
  b.ok(["update", "--restart", "no", "later"]);
  expect(inspect("later", "{{.HostConfig.RestartPolicy.Name}}")).toBe("no");
  b.ok(["rm", "later"]);
});

test("a --rm container refuses a policy, as docker's daemon does; a bad policy is a flag error", () => {
  b.ok(["run", "-d", "--rm", "--name", "tmp", "busybox", "sleep", "600"]);
  expectOneLineError(b.run(["update", "--restart", "always", "tmp"]), 1, /^Error response from daemon: Restart policy cannot be updated because AutoRemove is enabled for the container\n$/);
  expect(b.run(["update", "--restart", "no", "tmp"]).exitCode).toBe(0);
  expectOneLineError(b.run(["update", "--restart", "sometimes", "tmp"]), 125, /invalid restart policy/);
  b.ok(["rm", "-f", "tmp"]);
});
