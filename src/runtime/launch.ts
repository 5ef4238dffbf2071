// Starts a container process from a runtime spec, under its monitor.
import { existsSync, statSync } from "node:fs";
import { kill, SpawnError } from "../../ffi/native.ts";
import { BunkerError, ExecError } from "../lib/errors.ts";
import type { ContainerCgroup } from "./cgroups.ts";
import { withCgroupfs } from "./cgroupfs.ts";
import { type Monitored, type MonitorOptions, monitorStdio, startMonitored } from "./monitor.ts";
import { buildProgram, cloneFlags } from "./program.ts";
import { checkRlimitsAllowed } from "./rlimits.ts";
import { seccompFileFor } from "./seccomp-files.ts";
import type { RuntimeSpec } from "./spec.ts";

const EPERM = 1;
const ENOENT = 2;
const EACCES = 13;
const ELOOP = 40;

export interface LaunchOptions {
  cgroup: ContainerCgroup;
  /** The terminal size a -t container starts with. */
  size: { rows: number; cols: number };
  /** Where compiled seccomp filters are cached. */
  cacheDir: string;
  /** The monitor executable (monitorExecutable). */
  monitor: string;
  monitorOptions: Omit<MonitorOptions, "cloneFlags" | "netns" | "cgroupV2" | "tty">;
  /** Called with the monitor's pid before the container exists (to record it: see startMonitored). */
  monitorSpawned?: (monitorPid: number) => void;
}

const isFile = (source: string) => existsSync(source) && !statSync(source).isDirectory();

/** Starts the container's monitor, which clones its init; returns once the init has exec'd the user's command. */
export function launch(spec: RuntimeSpec, opts: LaunchOptions): Monitored {
  checkRlimitsAllowed(spec.process.rlimits ?? []);
  const tty = spec.process.terminal === true;
  const program = buildProgram(withCgroupfs(spec, opts.cgroup), opts.cgroup.joinFiles, monitorStdio(tty, opts.size), isFile, seccompFileFor(spec, opts.cacheDir));
  try {
    // A network namespace given by path is joined by inheritance: the monitor spawns the container inside it.
    const netns = spec.linux.namespaces.find((n) => n.type === "network" && n.path)?.path ?? "";
    return startMonitored(opts.monitor, program, { ...opts.monitorOptions, cloneFlags: cloneFlags(spec), netns, cgroupV2: opts.cgroup.v2Dir ?? "", tty }, opts.monitorSpawned);
  } catch (e) {
    if (e instanceof SpawnError) throw describeSpawnError(e, spec.process.args[0]);
    throw e;
  }
}

const REASONS: Record<number, string> = {
  1: "operation not permitted", 2: "no such file or directory", 13: "permission denied", 17: "file exists", 20: "not a directory", 22: "invalid argument",
  28: "no space left on device", 38: "function not implemented", 40: "too many levels of symbolic links",
};

/** Docker's messages and exit codes: 127 for a missing command, 126 for one that cannot be run. */
function describeSpawnError(e: SpawnError, command: string): BunkerError {
  const reason = REASONS[e.errno] ?? `errno ${e.errno}`;
  if (e.detail.startsWith("exec ")) {
    if (e.errno === ENOENT && !command.includes("/")) return new ExecError(`exec: "${command}": executable file not found in $PATH`, 127);
    if (e.errno === ENOENT) return new ExecError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    return new ExecError(`exec: "${command}": ${reason}`, 126);
  }
  if (e.detail.startsWith("setrlimit ") && e.errno === EPERM) {
    const name = e.detail.slice("setrlimit RLIMIT_".length).toLowerCase();
    return new BunkerError(`container init failed: cannot set ulimit ${name}: raising a hard limit needs CAP_SYS_RESOURCE, which bunker lacks here`);
  }
  if (e.detail.startsWith("write oom_score_adj") && e.errno === EACCES) {
    return new BunkerError(`container init failed: ${e.detail}: ${reason} (lowering the OOM score below bunker's own needs CAP_SYS_RESOURCE)`);
  }
  if (e.detail.startsWith("chdir to working directory") && e.errno === ELOOP) {
    return new BunkerError(`container init failed: ${e.detail}: ${reason} (magic links such as /proc/self/fd/N are refused)`);
  }
  return new BunkerError(`container init failed: ${e.detail}: ${reason}`);
}

const FORWARDED: [NodeJS.Signals, number][] = [
  ["SIGINT", 2],
  ["SIGTERM", 15],
  ["SIGHUP", 1],
  ["SIGQUIT", 3],
  ["SIGUSR1", 10],
  ["SIGUSR2", 12],
];

export interface SignalForwarder {
  /** Signals that arrived before the container existed are delivered now. */
  attach(pid: number): void;
  stop(): void;
}

/**
 * Passes signals sent to the CLI on to the container, as docker's sig-proxy
 * does. Installed before the container starts, so a signal sent the moment
 * it prints something never hits the CLI's default action instead.
 */
export function forwardSignals(): SignalForwarder {
  let target = 0;
  const pending: number[] = [];
  for (const [name, num] of FORWARDED) {
    process.on(name, () => {
      if (target > 0) kill(target, num);
      else if (target === 0) pending.push(num);
    });
  }
  return {
    attach(pid) {
      target = pid;
      for (const num of pending.splice(0)) kill(pid, num);
    },
    // Listeners stay installed but go quiet: removing a signal listener costs Bun ~1 ms each, on every run.
    stop() {
      target = -1;
    },
  };
}
