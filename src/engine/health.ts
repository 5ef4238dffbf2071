// Health checks (Docker's HEALTHCHECK): the configuration, from the image and
// the --health-* flags, and how one probe's result moves State.Health. The
// probe itself runs through exec (health-run.ts).
import { BunkerError, UsageError } from "../lib/errors.ts";
import type { HealthConfig } from "./container-create.ts";
import { formatGoDuration, parseGoDuration } from "./units.ts";

export type { HealthConfig };

export type HealthStatus = "starting" | "healthy" | "unhealthy";

export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthResult[];
}

// Docker's defaults and bounds (moby's daemon/health.go).
const DEFAULT_INTERVAL = 30e9;
const DEFAULT_TIMEOUT = 30e9;
const DEFAULT_START_INTERVAL = 5e9;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_LEN = 4096;

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: string;
  none: boolean;
}

/** The flags as the docker CLI turns them into a HealthConfig: undefined when none is given. */
export function healthcheckConfig(f: HealthFlags): HealthConfig | undefined {
  const interval = duration(f.interval, "--health-interval");
  const timeout = duration(f.timeout, "--health-timeout");
  const startPeriod = duration(f.startPeriod, "--health-start-period");
  const startInterval = duration(f.startInterval, "--health-start-interval");
  const retries = f.retries === undefined ? 0 : integer(f.retries, "--health-retries");
  const given = (f.cmd ?? "") !== "" || interval !== 0 || timeout !== 0 || startPeriod !== 0 || startInterval !== 0 || retries !== 0;
  if (f.none) {
    if (given) throw new BunkerError("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  if (!given) return undefined;
  for (const [value, flag] of [[interval, "--health-interval"], [timeout, "--health-timeout"], [retries, "--health-retries"], [startPeriod, "--health-start-period"], [startInterval, "--health-start-interval"]] as const)
    if (value < 0) throw new BunkerError(`${flag} cannot be negative`);
  return checkHealthcheck({ Test: f.cmd ? ["CMD-SHELL", f.cmd] : [], Interval: interval, Timeout: timeout, StartPeriod: startPeriod, StartInterval: startInterval, Retries: retries });
}

/** The daemon's checks of Config.Healthcheck (moby's daemon/container.go). */
export function checkHealthcheck<T extends HealthConfig | undefined>(h: T): T {
  if (!h) return h;
  // A duration that is set must be at least 1ms.
  for (const name of ["Interval", "Timeout", "StartPeriod", "StartInterval"] as const) {
    const value = h[name] ?? 0;
    if (value !== 0 && value < 1e6) throw new BunkerError(`${name} in Healthcheck cannot be less than 1ms`);
  }
  if ((h.Retries ?? 0) < 0) throw new BunkerError("Retries in Healthcheck cannot be negative");
  return h;
}

function duration(value: string | undefined, flag: string): number {
  if (value === undefined) return 0;
  try {
    return parseGoDuration(value);
  } catch (e) {
    throw new UsageError(`invalid argument "${value}" for "${flag}" flag: ${(e as Error).message}`);
  }
}

function integer(value: string, flag: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  return Number(value);
}

/** The daemon's merge: each field the container leaves unset comes from the image's HEALTHCHECK. */
export function mergeHealthcheck(image: HealthConfig | undefined, user: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image;
  if (!image) return user;
  return {
    Test: user.Test?.length ? user.Test : image.Test,
    Interval: user.Interval || image.Interval,
    Timeout: user.Timeout || image.Timeout,
    StartPeriod: user.StartPeriod || image.StartPeriod,
    StartInterval: user.StartInterval || image.StartInterval,
    Retries: user.Retries || image.Retries,
  };
}

/** The probe's command line, or null when no health check is configured (none, or NONE). */
export function probeCommand(config: HealthConfig | undefined): string[] | null {
  const test = config?.Test ?? [];
  if (test[0] === "CMD" && test.length > 1) return test.slice(1);
  if (test[0] === "CMD-SHELL" && test.length > 1) return ["/bin/sh", "-c", test.slice(1).join(" ")];
  return null;
}

/** State.Health as a start sets it (no probe has run yet); undefined for a container without a health check. */
export function initialHealth(record: { Config: { Healthcheck?: HealthConfig } }): HealthState | undefined {
  return probeCommand(record.Config.Healthcheck) ? { Status: "starting", FailingStreak: 0, Log: [] } : undefined;
}

/** State.Health as inspect shows it: a running container whose first probe has not been recorded yet is "starting". */
export function currentHealth(record: { Config: { Healthcheck?: HealthConfig }; State: { Running: boolean; Health?: HealthState } }): HealthState | undefined {
  return record.State.Health ?? (record.State.Running ? initialHealth(record) : undefined);
}

/** How often the probe runs, in nanoseconds. */
export const probeInterval = (config: HealthConfig) => config.Interval || DEFAULT_INTERVAL;
export const probeTimeout = (config: HealthConfig) => config.Timeout || DEFAULT_TIMEOUT;
/** How often it runs while the container starts, within its start period (which is 0, so never, by default). */
export const probeStartInterval = (config: HealthConfig) => config.StartInterval || DEFAULT_START_INTERVAL;

/** Docker's message for a probe that ran past its timeout. */
export const timeoutMessage = (config: HealthConfig) => `Health check exceeded timeout (${formatGoDuration(probeTimeout(config))})`;

/**
 * One probe's result applied to the health state (moby's handleProbeResult):
 * a success makes it healthy; a failure counts towards Retries, except
 * while the container is still starting within its StartPeriod.
 */
export function applyResult(health: HealthState, config: HealthConfig, startedAt: string, result: HealthResult): HealthState {
  const log = [...health.Log, { ...result, Output: result.Output.slice(0, MAX_OUTPUT_LEN) }].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { Status: "healthy", FailingStreak: 0, Log: log };
  const inStartPeriod = health.Status === "starting" && Date.parse(result.Start) - Date.parse(startedAt) < (config.StartPeriod ?? 0) / 1e6;
  if (inStartPeriod) return { ...health, Log: log };
  const streak = health.FailingStreak + 1;
  return { Status: streak >= (config.Retries || DEFAULT_RETRIES) ? "unhealthy" : health.Status, FailingStreak: streak, Log: log };
}
