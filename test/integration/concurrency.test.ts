import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

test("20 `run --rm` started at once all succeed and leave consistent state", async () => {
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => b.runAsync(["run", "--rm", "busybox", "sh", "-c", `echo run-${i}`])));
  for (const [i, r] of runs.entries()) {
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`run-${i}\n`);
    expect(r.exitCode).toBe(0);
  }
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  expect(readdirSync(join(b.root, "containers")).filter((n) => n !== "names")).toEqual([]);
});

test("20 named containers created and run at once: every record is whole and listed", async () => {
  const runs = await Promise.all(Array.from({ length: 20 }, (_, i) => b.runAsync(["run", "--name", `c${i}`, "busybox", "sh", "-c", `exit ${i}`])));
  runs.forEach((r, i) => expect(r.exitCode).toBe(i));
  const ps = b.ok(["ps", "-a", "--no-trunc", "-q"]).trim().split("\n");
  expect(ps.length).toBe(20);
  for (const id of ps) {
    const text = readFileSync(join(b.root, "containers", id, "container.json"), "utf8");
    const record = JSON.parse(text); // a torn file would not parse
    expect(record.State.Status).toBe("exited");
  }
  const codes = JSON.parse(b.ok(["inspect", ...Array.from({ length: 20 }, (_, i) => `c${i}`)])).map((c: { State: { ExitCode: number } }) => c.State.ExitCode);
  expect(codes).toEqual(Array.from({ length: 20 }, (_, i) => i));
  const rm = await Promise.all(Array.from({ length: 20 }, (_, i) => b.runAsync(["rm", `c${i}`])));
  for (const r of rm) expect(r.exitCode).toBe(0);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  // No temp files from atomic writes were left behind.
  expect(existsSync(join(b.root, "containers")) ? readdirSync(join(b.root, "containers")).filter((n) => n.endsWith(".tmp")) : []).toEqual([]);
});
