import { expect, test } from "bun:test";
import { forEachLimit } from "../../../src/lib/pool.ts";

test("at most `limit` jobs run at once, and all of them run", async () => {
  let running = 0;
  let peak = 0;
  const done: number[] = [];
  await forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
    peak = Math.max(peak, ++running);
    await Bun.sleep(5);
    running--;
    done.push(n);
  });
  expect(peak).toBe(2);
  expect(done.sort()).toEqual([1, 2, 3, 4, 5]);
});

test("after a failure nothing new starts; the first error comes once the running jobs settle", async () => {
  const started: number[] = [];
  let settled = 0;
  const run = forEachLimit([1, 2, 3, 4], 2, async (n) => {
    started.push(n);
    await Bun.sleep(n === 1 ? 1 : 20);
    settled++;
    if (n <= 2) throw new Error(`job ${n}`);
  });
  await expect(run).rejects.toThrow("job 1");
  expect(started).toEqual([1, 2]);
  expect(settled).toBe(2); // job 2 finished before the error was thrown
});
