// Helpers of the launch-window fault tests (launch.test.ts, compose-retry.test.ts):
// kill bunker at a crash point, and look at what a start left behind.
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, type Bunker, cgroupFile } from "../harness.ts";

/** Runs `bunker ARGS` with BUNKER_CRASH_AT=STEP and expects it to die there by SIGKILL. */
export function crashAt(b: Bunker, step: string, args: string[], opts: { cwd?: string } = {}): void {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, ...args], { cwd: opts.cwd, env: { ...process.env, BUNKER_CRASH_AT: step }, stdin: "ignore" });
  expect({ signal: r.signalCode, stderr: r.stderr.toString() }).toEqual({ signal: "SIGKILL", stderr: expect.any(String) });
}

/** The processes in the container's cgroup (0 once it is gone): one, its init, while it runs. */
export function processesInCgroup(id: string): number {
  try {
    return cgroupFile(id, "pids", "cgroup.procs").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** The container's run file as the start wrote it (undefined if there is none). */
export function runFile(b: Bunker, id: string): { MonitorPid?: number; Pid: number; Starting?: boolean } | undefined {
  try {
    return JSON.parse(readFileSync(join(b.root, "run", "containers", `${id}.json`), "utf8"));
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3));
  } catch {
    return false;
  }
};

/** Waits until PID has exited (a monitor left without a program gives up at once). */
export async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 2000 && alive(pid); i++) await Bun.sleep(5);
  expect(alive(pid)).toBe(false);
}

export const idOf = (b: Bunker, name: string) => b.ok(["ps", "-a", "-q", "--no-trunc", "--filter", `name=^${name}$`]).trim();

/** The state `ps -a` shows: "running", "created", "exited". */
export const stateOf = (b: Bunker, name: string) => b.ok(["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.State}}"]).trim();
