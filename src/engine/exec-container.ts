// `exec`: a new process inside a running container. It joins the container's
// cgroup and namespaces and gets the container's process settings from its
// bundle (containers/<id>/config.json, the runtime spec written at start),
// with the exec's own command, environment, user and working directory.
import { readFileSync } from "node:fs";
import { isAbsolute } from "node:path";
import { getSystemErrorMessage } from "node:util";
import { close, O_CLOEXEC, O_RDWR, open, receiveFd, SpawnError, socketPair, spawnExecProgram } from "../../ffi/native.ts";
import { BunkerError, DaemonError, ExecError } from "../lib/errors.ts";
import { tweakCapabilities } from "../runtime/capabilities.ts";
import { cgroupJoinFiles } from "../runtime/cgroups.ts";
import { buildExecProgram, namespacePaths, OVERLAY_ANNOTATION, ROOT_COPY_ANNOTATION, type Stdio } from "../runtime/program.ts";
import { monitorExecutable } from "../runtime/monitor.ts";
import { prepareSeccompBpf, seccompFileFor } from "../runtime/seccomp-files.ts";
import { closeStdioPipes, openStdioPipes, type StdioPipes } from "../runtime/stdio-pipes.ts";
import type { RuntimeSpec } from "../runtime/spec.ts";
import type { LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { mergeEnv, readEnvFile } from "./env.ts";
import { readLayeredFile } from "./layer-files.ts";
import { processCapabilities } from "./security.ts";
import { refreshState } from "./start-container.ts";
import { resolveUser } from "./user.ts";

export interface ExecOptions {
  command: string[];
  env: string[];
  envFiles: string[];
  workdir?: string;
  /** -u: resolved in the container's /etc/passwd; the container's own user otherwise. */
  user?: string;
  /** All capabilities and no seccomp filter, whatever the container has. */
  privileged: boolean;
  tty: boolean;
}

/** A running container to exec into: its record and bundle. */
export interface ExecTarget {
  record: LoadedRecord;
  spec: RuntimeSpec;
}

/** The record of container REF, which must be running (exec, top). Takes no lock: many execs may run at once. */
export function runningContainer(engine: Engine, ref: string): LoadedRecord {
  let id: string;
  try {
    id = engine.containers.resolve(ref);
  } catch (e) {
    throw e instanceof BunkerError ? new DaemonError(e.message) : e;
  }
  const record = refreshState(engine, engine.containers.load(id));
  if (!record.State.Running) throw new DaemonError(`container ${id} is not running`);
  return record;
}

export function execTarget(engine: Engine, ref: string): ExecTarget {
  const record = runningContainer(engine, ref);
  return { record, spec: JSON.parse(readFileSync(engine.containers.path(record.Id, "config.json"), "utf8")) };
}

/** The exec'd process's runtime spec: the container's, with the exec's command and overrides. */
export function execSpec({ record, spec }: ExecTarget, opts: ExecOptions): RuntimeSpec {
  if (opts.workdir !== undefined && !isAbsolute(opts.workdir))
    throw new BunkerError(`the working directory '${opts.workdir}' is invalid, it needs to be an absolute path`, 1);
  const env = mergeEnv(spec.process.env ?? [], ...opts.envFiles.map(readEnvFile), opts.env).filter((e) => e.includes("=")); // a bare NAME unsets it
  if (opts.tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  let user = spec.process.user;
  if (opts.user !== undefined) {
    const layers = rootfsLayers(spec);
    const resolved = resolveUser(opts.user, readLayeredFile(layers, "etc/passwd"), readLayeredFile(layers, "etc/group"));
    user = { ...user, uid: resolved.uid, gid: resolved.gid, additionalGids: resolved.additionalGids };
    // The container's HOME was its own user's, unless the container set one: the exec's user gets its own.
    if (!record.Config.Env.some((e) => e.startsWith("HOME="))) replaceEnv(env, "HOME", resolved.home);
  }
  const bounding = opts.privileged ? tweakCapabilities([], [], true) : spec.process.capabilities?.bounding;
  return {
    ...spec,
    process: {
      ...spec.process,
      terminal: opts.tty,
      args: opts.command,
      env,
      user,
      cwd: opts.workdir ?? spec.process.cwd,
      capabilities: bounding ? processCapabilities(bounding, user.uid) : spec.process.capabilities,
    },
    linux: { ...spec.linux, seccomp: opts.privileged ? undefined : spec.linux.seccomp },
  };
}

function replaceEnv(env: string[], key: string, value: string): void {
  const i = env.findIndex((e) => e.startsWith(`${key}=`));
  if (i >= 0) env[i] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
}

/** The container's rootfs as its overlay stacks it, top first (from the options the bundle mounts it with). */
function rootfsLayers(spec: RuntimeSpec): string[] {
  const options = Object.fromEntries((spec.annotations?.[OVERLAY_ANNOTATION] ?? "").split(",").map((o) => o.split("=", 2)));
  return [spec.annotations?.[ROOT_COPY_ANNOTATION] ?? options.upperdir, ...(options.lowerdir ?? "").split(":")].filter(Boolean);
}

/**
 * Starts the process and returns its pid (a child of this process) once it
 * has exec'd. With a console socket in `stdio`, its terminal's master
 * arrives there before this returns.
 */
export async function spawnExec(engine: Engine, target: ExecTarget, exec: RuntimeSpec, stdio: Stdio): Promise<number> {
  const cacheDir = engine.dirs.cache;
  // Compiled when the container started; done again only if the cache was cleared since.
  if (exec.linux.seccomp) await prepareSeccompBpf(cacheDir, exec.linux.seccomp, exec.process.capabilities?.bounding ?? []);
  const cgroup = cgroupJoinFiles(target.spec.linux.cgroupsPath ?? "");
  const helper = await monitorExecutable(cacheDir);
  const program = buildExecProgram(exec, cgroup, namespacePaths(target.spec, target.record.State.Pid), stdio, helper, seccompFileFor(exec, cacheDir));
  const execID = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
  const action = `${exec.process.args.join(" ")}`;
  containerEvent(engine, target.record, `exec_create: ${action}`, { execID });
  try {
    const pid = spawnExecProgram(program);
    containerEvent(engine, target.record, `exec_start: ${action}`, { execID });
    execIds.set(pid, execID);
    return pid;
  } catch (e) {
    if (e instanceof SpawnError) throw describeExecError(e, exec.process.args[0]);
    throw e;
  }
}

/** A started exec: with pipes bunker relays, with its terminal's master (-t), or detached (its stdio /dev/null). */
export type LaunchedExec = { pid: number; pipes: StdioPipes } | { pid: number; master: number } | { pid: number; detached: true };

export interface LaunchOptions {
  /** Its stdin is a pipe (docker's -i) rather than /dev/null; a terminal always reads its input. */
  stdin: boolean;
  detach: boolean;
  /** The terminal's first size; 0 leaves it unset. */
  rows: number;
  cols: number;
}

/** Starts EXEC with the stdio its options ask for: what the CLI and the API's exec start relay. */
export async function launchExec(engine: Engine, target: ExecTarget, exec: RuntimeSpec, o: LaunchOptions): Promise<LaunchedExec> {
  if (o.detach) {
    const devNull = open("/dev/null", O_RDWR | O_CLOEXEC);
    try {
      return { pid: await spawnExec(engine, target, exec, { stdin: devNull, stdout: devNull, stderr: devNull }), detached: true };
    } finally {
      close(devNull);
    }
  }
  if (!exec.process.terminal) {
    const pipes = openStdioPipes(o.stdin);
    try {
      return { pid: await spawnExec(engine, target, exec, pipes.child), pipes };
    } catch (e) {
      closeStdioPipes(pipes);
      throw e;
    }
  }
  const [ours, theirs] = socketPair();
  try {
    const pid = await spawnExec(engine, target, exec, { consoleSocket: theirs, rows: o.rows, cols: o.cols });
    return { pid, master: receiveFd(ours) }; // sent before the exec, so already queued
  } finally {
    close(ours);
    close(theirs);
  }
}

/** The exec id of each process spawnExec started, for its exec_die. */
const execIds = new Map<number, string>();

/** Records docker's exec_die once the caller has seen process PID (from spawnExec) exit. */
export function execDied(engine: Engine, target: ExecTarget, pid: number, exitCode: number): void {
  containerEvent(engine, target.record, "exec_die", { execID: execIds.get(pid) ?? "", exitCode: String(exitCode) });
  execIds.delete(pid);
}

const ENOENT = 2;

/** Docker's messages: the runtime's error, exit code 127 for a missing command, 126 for anything else. */
function describeExecError(e: SpawnError, command: string): BunkerError {
  const reason = e.errno ? getSystemErrorMessage(-e.errno).replace(/^./, (c) => c.toLowerCase()) : "unknown error";
  const prefix = "OCI runtime exec failed: exec failed: unable to start container process:";
  if (e.detail.startsWith("exec ")) {
    if (e.errno === ENOENT && !command.includes("/")) return new ExecError(`${prefix} exec: "${command}": executable file not found in $PATH: unknown`, 127);
    if (e.errno === ENOENT) return new ExecError(`${prefix} exec: "${command}": stat ${command}: ${reason}: unknown`, 127);
    return new ExecError(`${prefix} exec: "${command}": ${reason}: unknown`, 126);
  }
  const cwd = "chdir to working directory ";
  if (e.detail.startsWith(cwd)) return new ExecError(`${prefix} chdir to cwd ("${e.detail.slice(cwd.length)}") set in config.json failed: ${reason}: unknown`, 126);
  return new ExecError(`${prefix} ${e.detail}: ${reason}: unknown`, 126);
}
