// pause and unpause through the cgroup freezer (v1 freezer.state, v2
// cgroup.freeze). A frozen container's counter must not move across
// operations we control; the freezer's own file says FROZEN or THAWED.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { Bunker, cgroupFile, expectOneLineError } from "./harness.ts";

const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

/** A container that counts as fast as it can into /count; returns its id and pid. */
function counter(name: string): { id: string; pid: number } {
  const id = b.ok(["run", "-d", "--name", name, "busybox", "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /count.tmp; mv /count.tmp /count; done"]).trim();
  return { id, pid: Number(b.ok(["inspect", "-f", "{{.State.Pid}}", name]).trim()) };
}

const count = (pid: number) => {
  try {
    return Number(readFileSync(`/proc/${pid}/root/count`, "utf8"));
  } catch {
    return 0; // not written yet
  }
};

/** The freezer's own report: "FROZEN"/"THAWED" on v1, "frozen 1"/"frozen 0" on v2. */
function frozen(id: string): boolean {
  if (V2) return /^frozen 1$/m.test(cgroupFile(id, "", "cgroup.events"));
  return cgroupFile(id, "freezer", "freezer.state") === "FROZEN";
}

/** Resolves once the counter moves. Polled: fs.watch through /proc/PID/root sees none of the container's changes. */
async function advances(pid: number): Promise<void> {
  const start = count(pid);
  while (count(pid) === start) await Bun.sleep(5);
}

test("pause freezes every task, unpause thaws them; ps and inspect show it", async () => {
  const { id, pid } = counter("paused");
  await advances(pid);
  expect(b.ok(["pause", "paused"])).toBe("paused\n");
  expect(frozen(id)).toBe(true);
  const before = count(pid);
  expect(b.ok(["ps"])).toMatch(/ Up .* \(Paused\) +paused\n/); // listed without -a: it still runs
  expect(count(pid)).toBe(before);
  const [c] = JSON.parse(b.ok(["inspect", "paused"]));
  expect([c.State.Status, c.State.Running, c.State.Paused]).toEqual(["paused", true, true]);
  expect(count(pid)).toBe(before);

  expect(b.ok(["container", "unpause", "paused"])).toBe("paused\n");
  expect(frozen(id)).toBe(false);
  await advances(pid);
  expect(b.ok(["inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "paused"]).trim()).toBe("running false");
  expect(b.ok(["ps"])).not.toContain("(Paused)");
});

test("docker's errors: not running, already paused, not paused, unknown", () => {
  b.ok(["create", "--name", "idle", "busybox", "true"]);
  const idle = b.ok(["inspect", "-f", "{{.Id}}", "idle"]).trim();
  expectOneLineError(b.run(["pause", "idle"]), 1, new RegExp(`^Error response from daemon: container ${idle} is not running\n$`));
  expectOneLineError(b.run(["unpause", "idle"]), 1, new RegExp(`container ${idle} is not paused`));
  b.ok(["run", "--name", "done", "busybox", "true"]);
  expectOneLineError(b.run(["pause", "done"]), 1, /is not running/);

  const { id } = counter("twice");
  b.ok(["pause", "twice"]);
  expectOneLineError(b.run(["pause", "twice"]), 1, new RegExp(`container ${id} is already paused`));
  const start = b.run(["start", "twice"]);
  expect(start.exitCode).not.toBe(0);
  expect(start.stderr).toContain("cannot start a paused container, try unpause instead");
  b.ok(["unpause", "twice"]);
  expectOneLineError(b.run(["unpause", "twice"]), 1, /is not paused/);
  // Every argument is tried; one failure makes the exit code 1.
  const r = b.run(["pause", "nope", "twice"]);
  expect([r.exitCode, r.stdout, r.stderr]).toEqual([1, "twice\n", "Error response from daemon: No such container: nope\n"]);
  b.ok(["unpause", "twice"]);
});

test("rm refuses a paused container; rm -f thaws and kills it", () => {
  const { pid } = counter("frozen-rm");
  b.ok(["pause", "frozen-rm"]);
  expectOneLineError(b.run(["rm", "frozen-rm"]), 1, /container is paused: unpause and then stop the container before removing or force remove/);
  expect(b.ok(["rm", "-f", "frozen-rm"])).toBe("frozen-rm\n");
  expect(existsSync(`/proc/${pid}/root/count`)).toBe(false);
  expect(b.run(["inspect", "frozen-rm"]).exitCode).toBe(1);
});
