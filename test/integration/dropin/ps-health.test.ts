// issue 20 item 7: ps STATUS carries the health check's verdict as docker's does, so
// `until docker ps | grep -q '(healthy)'` loops end: "(health: starting)", "(healthy)", "(unhealthy)".
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Bunker } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const status = (name: string) => b.ok(["ps", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]).trim();

/** Polls ps, as a user's script does, until the container's status matches (bounded: each ps call takes a while). */
function statusUntil(name: string, pattern: RegExp): string {
  let seen = "";
  for (let i = 0; i < 600 && !pattern.test(seen); i++) seen = status(name);
  return seen;
}

test("a container whose first probe has not run yet shows (health: starting)", () => {
  b.ok(["run", "-d", "--name", "starting", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "600"]);
  expect(status("starting")).toMatch(/^Up .* \(health: starting\)$/);
  b.ok(["rm", "-f", "starting"]);
});

test("a passing health check turns it (healthy), a failing one (unhealthy)", () => {
  b.ok(["run", "-d", "--name", "fine", "--health-cmd", "true", "--health-interval", "1s", "busybox", "sleep", "600"]);
  b.ok(["run", "-d", "--name", "sick", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1", "busybox", "sleep", "600"]);
  expect(statusUntil("fine", /\(healthy\)/)).toMatch(/^Up .* \(healthy\)$/);
  expect(statusUntil("sick", /\(unhealthy\)/)).toMatch(/^Up .* \(unhealthy\)$/);
  expect(b.ok(["ps"])).toMatch(/Up .* \(healthy\) .*fine/);
  b.ok(["rm", "-f", "fine", "sick"]);
});

test("a paused container shows (Paused), not its health, as docker", () => {
  b.ok(["run", "-d", "--name", "held", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "600"]);
  b.ok(["pause", "held"]);
  expect(status("held")).toMatch(/^Up .* \(Paused\)$/);
  b.ok(["rm", "-f", "held"]);
});
