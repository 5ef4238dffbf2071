// The container state machine, checked in one place (youki's can_start/can_kill/can_delete).
import { BunkerError, ConflictError, NotModifiedError } from "../lib/errors.ts";
import type { HealthState } from "./health.ts";

export type Status = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

export interface ContainerState {
  Status: Status;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** With a health check only (see health.ts). */
  Health?: HealthState;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function initialState(): ContainerState {
  return {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}

export function canStart(s: ContainerState): boolean {
  return s.Status === "created" || s.Status === "exited";
}

export function canRemove(s: ContainerState, force: boolean): boolean {
  return force || (s.Status !== "running" && s.Status !== "paused" && s.Status !== "restarting");
}

export function assertCanStart(name: string, s: ContainerState): void {
  if (s.Status === "running") throw new NotModifiedError(`container ${name} is already running`);
  if (s.Status === "paused") throw new ConflictError("cannot start a paused container, try unpause instead");
  if (!canStart(s)) throw new BunkerError(`cannot start container ${name} in state ${s.Status}`);
}

export function toRunning(s: ContainerState, pid: number): ContainerState {
  return { ...s, Status: "running", Running: true, Pid: pid, ExitCode: 0, Error: "", StartedAt: new Date().toISOString(), FinishedAt: ZERO_TIME };
}

/** moby's pause checks: only a running container that is not paused yet. */
export function assertCanPause(id: string, s: ContainerState): void {
  if (!s.Running) throw new ConflictError(`container ${id} is not running`);
  if (s.Paused) throw new ConflictError(`container ${id} is already paused`);
}

export function assertCanUnpause(id: string, s: ContainerState): void {
  if (!s.Paused) throw new ConflictError(`container ${id} is not paused`);
}

export function toExited(s: ContainerState, exitCode: number, error = ""): ContainerState {
  return { ...s, Status: "exited", Running: false, Paused: false, Pid: 0, ExitCode: exitCode, Error: error, FinishedAt: new Date().toISOString() };
}
