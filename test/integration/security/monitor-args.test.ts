// Issue 15 item 8c: nothing secret in a monitor's command line, which every
// local user can read in `ps` (/proc/PID/cmdline). The log attributes that
// --log-opt labels/env pick (an environment variable's value) travel on the
// monitor's private socket with the program instead.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { Bunker } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

function commandLinesHolding(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replaceAll("\0", " ").slice(0, 200)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

test("--log-opt env/labels values stay out of every process's command line, and still reach the log", async () => {
  const secret = `s3cret-${process.pid}`;
  const id = b
    .ok(["run", "-d", "-e", `API_TOKEN=${secret}`, "--label", `team=${secret}-label`, "--log-opt", "env=API_TOKEN", "--log-opt", "labels=team", "busybox", "sh", "-c", "echo ready; exec sleep 600"])
    .trim();
  await b.logsUntil(id, "ready");
  expect(commandLinesHolding(secret)).toEqual([]);
  const details = b.ok(["logs", "--details", id]);
  expect(details).toContain(`API_TOKEN=${secret}`);
  expect(details).toContain(`team=${secret}-label`);
  b.ok(["rm", "-f", id]);
});
