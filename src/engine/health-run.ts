// `healthcheck run`: one probe of a container's health check, through exec,
// and its result recorded in State.Health under the container's lock (taken
// only after the probe: a probe may take as long as its timeout).
import { closeSync, openSync, readSync, unlinkSync } from "node:fs";
import { kill } from "../../ffi/native.ts";
import { BunkerError, ExecError } from "../lib/errors.ts";
import { childExit } from "../runtime/child-exit.ts";
import type { Engine } from "./engine.ts";
import { execDied, execSpec, execTarget, type ExecTarget, spawnExec } from "./exec-container.ts";
import { containerEvent } from "./events.ts";
import { applyResult, type HealthResult, type HealthState, initialHealth, MAX_OUTPUT_LEN, probeCommand, probeTimeout, timeoutMessage } from "./health.ts";

const SIGKILL = 9;

/** Runs the check of container REF once and returns the new State.Health. */
export async function runHealthcheck(engine: Engine, ref: string): Promise<HealthState> {
  const target = execTarget(engine, ref);
  const config = target.record.Config.Healthcheck;
  const command = probeCommand(config);
  if (!config || !command) throw new BunkerError(`container ${target.record.Id} has no defined healthcheck`);
  const result = await probe(engine, target, command, probeTimeout(config) / 1e6, timeoutMessage(config));
  const id = target.record.Id;
  return engine.containers.withLock(id, () => {
    const record = engine.containers.load(id);
    // The container has a check (probeCommand above), so initialHealth gives a state.
    const before = record.State.Health ?? initialHealth(record)!;
    const health = applyResult(before, config, record.State.StartedAt, result);
    engine.containers.saveHealth(id, health);
    if (health.Status !== before.Status) containerEvent(engine, record, `health_status: ${health.Status}`);
    return health;
  });
}

/** Runs the probe with stdout and stderr in an unlinked file, of which the first 4096 bytes are kept. */
async function probe(engine: Engine, target: ExecTarget, command: string[], timeoutMs: number, timedOut: string): Promise<HealthResult> {
  const spec = execSpec(target, { command, env: [], envFiles: [], privileged: false, tty: false });
  const outPath = engine.containers.path(target.record.Id, `health-${process.pid}.out`);
  const out = openSync(outPath, "w+", 0o600);
  unlinkSync(outPath);
  const devNull = openSync("/dev/null", "r");
  const start = new Date().toISOString();
  try {
    let pid: number;
    try {
      pid = await spawnExec(engine, target, spec, { stdin: devNull, stdout: out, stderr: out });
    } catch (e) {
      if (!(e instanceof ExecError)) throw e;
      return { Start: start, End: new Date().toISOString(), ExitCode: e.exitCode, Output: e.message };
    }
    let timer: Timer | undefined;
    const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    const exit = await Promise.race([childExit(pid), expired]);
    clearTimeout(timer);
    if (exit === null) {
      kill(pid, SIGKILL);
      execDied(engine, target, pid, (await childExit(pid)).code);
      return { Start: start, End: new Date().toISOString(), ExitCode: -1, Output: timedOut };
    }
    execDied(engine, target, pid, exit.code);
    const buf = Buffer.alloc(MAX_OUTPUT_LEN);
    const n = readSync(out, buf, 0, MAX_OUTPUT_LEN, 0);
    return { Start: start, End: new Date().toISOString(), ExitCode: exit.code, Output: buf.subarray(0, n).toString() };
  } finally {
    closeSync(out);
    closeSync(devNull);
  }
}
