// Exec instances, as the Engine API has them: made by one request
// (POST /containers/{id}/exec), started by another (POST /exec/{id}/start),
// looked at and resized by more. The service holds no state of its own and
// the CLI shares the store, so each instance is a small file in the run dir,
// <runroot>/exec/<id>.json (0600: it holds the exec's environment), rewritten
// as the process starts and exits, and removed a while after it is done.
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { ConflictError, ExecError, NotFoundError } from "../lib/errors.ts";
import { withLock } from "../lib/lock.ts";
import { makeDir, PRIVATE_DIR_MODE } from "../lib/modes.ts";
import { childExit } from "../runtime/child-exit.ts";
import { relayMaster, resizeTerminal } from "../runtime/pty.ts";
import { relayStdio, type StdioEnds } from "../runtime/stdio-pipes.ts";
import type { Engine } from "./engine.ts";
import { execDied, type ExecOptions, execSpec, execTarget, launchExec } from "./exec-container.ts";
import { refreshState } from "./start-container.ts";

/** What POST /containers/{id}/exec asks for. */
export interface ExecConfig {
  options: ExecOptions;
  attachStdin: boolean;
  attachStdout: boolean;
  attachStderr: boolean;
  detachKeys: string;
  /** [rows, columns] of the terminal, if the client knows it. */
  consoleSize: [number, number] | null;
}

/** An instance as stored: docker's inspect fields, then bunker's own. */
interface ExecRecord {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
  /** bunker's: the exec as created, and whether a start has taken it. */
  Config: ExecConfig;
  Started: boolean;
}

/** How long a finished instance stays inspectable (dockerd keeps them until the container goes; 5 minutes is its cleanup period). */
const KEEP_DONE_MS = 5 * 60 * 1000;

/** Terminal masters of the execs this process relays, for resize. */
const terminals = new Map<string, number>();

const execDir = (engine: Engine) => join(engine.dirs.runRoot, "exec");
const recordPath = (engine: Engine, id: string) => join(execDir(engine), `${id}.json`);

function load(engine: Engine, id: string): ExecRecord {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new NotFoundError(`No such exec instance: ${id}`);
  try {
    return JSON.parse(readFileSync(recordPath(engine, id), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such exec instance: ${id}`);
    throw e;
  }
}

const save = (engine: Engine, r: ExecRecord) => writeJsonAtomic(recordPath(engine, r.ID), r, { mode: 0o600, durable: false });

/** Changes record ID under the exec lock, so two starts of one instance cannot both take it. */
function update(engine: Engine, id: string, change: (r: ExecRecord) => void): ExecRecord {
  return withLock(join(execDir(engine), ".lock"), () => {
    const r = load(engine, id);
    change(r);
    save(engine, r);
    return r;
  });
}

/** Forgets instances finished a while ago, and those whose process died without its exit being recorded (its relay was killed). */
function forgetOld(engine: Engine): void {
  let names: string[];
  try {
    names = readdirSync(execDir(engine));
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    const path = join(execDir(engine), name);
    try {
      const r: ExecRecord = JSON.parse(readFileSync(path, "utf8"));
      const stale = r.Running ? !processExists(r.Pid) : now - statSync(path).mtimeMs > KEEP_DONE_MS;
      if (stale) rmSync(path, { force: true });
    } catch {
      // removed meanwhile, or half written by a crash: the next pass sees it again
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The container REF, which must be running: 404 if there is none, 409 if it is not running. */
function runningId(engine: Engine, ref: string): string {
  const id = engine.containers.resolve(ref);
  if (!refreshState(engine, engine.containers.load(id)).State.Running) throw new ConflictError(`Container ${id} is not running`);
  return id;
}

/** POST /containers/{id}/exec: records the exec and returns its id. */
export function createExec(engine: Engine, ref: string, config: ExecConfig): string {
  const containerId = runningId(engine, ref);
  execSpec(execTarget(engine, containerId), config.options); // refuses bad options now, not at start
  forgetOld(engine);
  makeDir(execDir(engine), PRIVATE_DIR_MODE);
  const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
  const [entrypoint, ...args] = config.options.command;
  save(engine, {
    ID: id,
    Running: false,
    ExitCode: null,
    ProcessConfig: { tty: config.options.tty, entrypoint, arguments: args, privileged: config.options.privileged, ...(config.options.user ? { user: config.options.user } : {}) },
    OpenStdin: config.attachStdin,
    OpenStderr: config.attachStderr,
    OpenStdout: config.attachStdout,
    CanRemove: false,
    ContainerID: containerId,
    DetachKeys: config.detachKeys,
    Pid: 0,
    Config: config,
    Started: false,
  });
  return id;
}

/** GET /exec/{id}/json: docker's fields only. */
export function inspectExec(engine: Engine, id: string) {
  const { Config: _, Started: __, ...shown } = load(engine, id);
  if (shown.Running && !processExists(shown.Pid)) shown.Running = false; // its relay died before recording the exit
  return shown;
}

export interface ExecStart {
  id: string;
  config: ExecConfig;
  /** Runs the process with ENDS (null: detached), resolving with its exit code once it has exited and its output is relayed. */
  run(ends: StdioEnds | null, size?: [number, number] | null): Promise<number>;
}

/**
 * Takes instance ID for a start: 404 if unknown, 409 if already started or
 * its container is not running. Checked before the API hijacks the
 * connection, so these come back as statuses.
 */
export function beginExec(engine: Engine, id: string): ExecStart {
  const r = update(engine, id, (r) => {
    if (r.Started) throw new ConflictError(r.Running ? `Exec command ${id} is already running` : `Exec command ${id} has already run`);
    r.Started = true;
  });
  runningId(engine, r.ContainerID);
  return { id, config: r.Config, run: (ends, size) => runExec(engine, r, ends, size) };
}

async function runExec(engine: Engine, r: ExecRecord, ends: StdioEnds | null, size?: [number, number] | null): Promise<number> {
  const { options, attachStdin } = r.Config;
  const [rows, cols] = size ?? r.Config.consoleSize ?? [0, 0];
  let target: ReturnType<typeof execTarget>;
  let launched: Awaited<ReturnType<typeof launchExec>>;
  try {
    target = execTarget(engine, r.ContainerID);
    launched = await launchExec(engine, target, execSpec(target, options), { stdin: attachStdin && ends !== null, detach: ends === null, rows, cols });
  } catch (e) {
    update(engine, r.ID, (rec) => {
      rec.ExitCode = e instanceof ExecError ? e.exitCode : 126;
    });
    throw e;
  }
  update(engine, r.ID, (rec) => {
    rec.Running = true;
    rec.Pid = launched.pid;
  });
  const exit = childExit(launched.pid);
  if ("master" in launched) terminals.set(r.ID, launched.master);
  try {
    if ("pipes" in launched) await relayStdio(launched.pipes, exit, ends!);
    else if ("master" in launched) await relayMaster(launched.master, attachStdin ? ends!.input() : null, (chunk) => ends!.output(1, chunk));
  } finally {
    terminals.delete(r.ID);
  }
  const { code } = await exit;
  execDied(engine, target, launched.pid, code);
  update(engine, r.ID, (rec) => {
    rec.Running = false;
    rec.ExitCode = code;
  });
  return code;
}

/** POST /exec/{id}/resize: the terminal of a running exec this process relays; nothing for an exec without one. */
export function resizeExec(engine: Engine, id: string, rows: number, cols: number): void {
  const r = load(engine, id);
  if (!r.Running) throw new ConflictError(`Exec ${id} is not running`);
  const master = terminals.get(id);
  if (master !== undefined) resizeTerminal(master, rows, cols);
}
