// Starts a container process from a runtime spec and watches it exit.
import { existsSync, statSync } from "node:fs";
import { exitCodeOf, kill, reap, SpawnError, spawnProgram } from "../../ffi/native.ts";
import { BunkerError, ExecError } from "../lib/errors.ts";
import { trace } from "../lib/trace.ts";
import type { ContainerCgroup } from "./cgroups.ts";
import { buildProgram, cloneFlags, type Stdio } from "./program.ts";
import type { RuntimeSpec } from "./spec.ts";

const ENOENT = 2;
const EACCES = 13;

export interface LaunchOptions {
  cgroup: ContainerCgroup;
  stdio: Stdio;
}

const isFile = (source: string) => existsSync(source) && !statSync(source).isDirectory();

/** Clones the container's init; returns its pid once it has exec'd the user's command. */
export function launch(spec: RuntimeSpec, opts: LaunchOptions): number {
  watchChildren();
  const program = buildProgram(spec, opts.cgroup.joinFiles, opts.stdio, isFile);
  try {
    return spawnProgram(cloneFlags(spec), program, opts.cgroup.v2Dir);
  } catch (e) {
    if (e instanceof SpawnError) throw describeSpawnError(e, spec.process.args[0]);
    throw e;
  }
}

/** Docker's messages and exit codes: 127 for a missing command, 126 for one that cannot be run. */
function describeSpawnError(e: SpawnError, command: string): BunkerError {
  const reason = e.errno === ENOENT ? "no such file or directory" : e.errno === EACCES ? "permission denied" : `errno ${e.errno}`;
  if (e.detail.startsWith("exec ")) {
    if (e.errno === ENOENT && !command.includes("/")) return new ExecError(`exec: "${command}": executable file not found in $PATH`, 127);
    if (e.errno === ENOENT) return new ExecError(`exec: "${command}": stat ${command}: no such file or directory`, 127);
    return new ExecError(`exec: "${command}": ${reason}`, 126);
  }
  return new BunkerError(`container init failed: ${e.detail}: ${reason}`);
}

// SIGCHLD drives waiting, so the event loop stays free for signals and terminal I/O.
const waiters = new Map<number, (status: number) => void>();
let watching = false;

function watchChildren(): void {
  if (watching) return;
  watching = true;
  process.on("SIGCHLD", () => {
    trace("SIGCHLD");
    for (const [pid, resolve] of waiters) {
      const status = reap(pid);
      if (status !== null) {
        waiters.delete(pid);
        resolve(status);
      }
    }
  });
}

/** Resolves with the exit code (128+signal when killed) of a child started by launch. */
export function waitForExit(pid: number): Promise<{ code: number; signal: number }> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30); // a signal listener alone does not keep Bun running
    const done = (status: number) => {
      clearInterval(keepAlive);
      resolve(exitCodeOf(status));
    };
    const status = reap(pid);
    if (status !== null) done(status);
    else waiters.set(pid, done);
  });
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
