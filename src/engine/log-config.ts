// --log-driver / --log-opt: checked at create with docker's rules and
// messages, stored as HostConfig.LogConfig, and read back parsed by the log
// writer (the container monitor) and by `logs`.
import { BunkerError } from "../lib/errors.ts";
import type { LogConfig } from "./container-create.ts";
import type { ContainerRecord } from "./container-store.ts";
import { parseHumanSize } from "./units.ts";

export type { LogConfig };
export type LogDriver = "json-file" | "none";

export interface LogOptions {
  driver: LogDriver;
  /** Rotate the log once it reaches this many bytes; 0 is unlimited. */
  maxSize: number;
  /** How many files (the current one and its rotations) to keep. */
  maxFile: number;
}

/**
 * The "attrs" docker's json-file adds to every entry: the container's labels
 * and environment variables named by the labels/env options (comma lists) or
 * matched by labels-regex/env-regex. `logs --details` shows them.
 */
export function logAttributes(record: Pick<ContainerRecord, "HostConfig" | "Config">): Record<string, string> {
  const cfg = (record.HostConfig.LogConfig ?? DEFAULT_LOG_CONFIG).Config;
  const env = Object.fromEntries(record.Config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  const labels = record.Config.Labels ?? {};
  const pick = (source: Record<string, string>, names: string | undefined, pattern: string | undefined) => {
    const wanted = new Set((names ?? "").split(",").filter(Boolean));
    const re = pattern ? new RegExp(pattern) : undefined;
    return Object.fromEntries(Object.entries(source).filter(([k]) => wanted.has(k) || re?.test(k)));
  };
  return { ...pick(labels, cfg.labels, cfg["labels-regex"]), ...pick(env, cfg.env, cfg["env-regex"]) };
}

const DRIVERS: LogDriver[] = ["json-file", "none"];
const JSON_FILE_OPTS = ["max-size", "max-file", "labels", "labels-regex", "env", "env-regex"];

/** Docker's default, which records written before LogConfig existed get too. */
export const DEFAULT_LOG_CONFIG: LogConfig = { Type: "json-file", Config: {} };

/** The LogConfig for --log-driver and the KEY=VALUE --log-opt list (docker: a bare KEY is an empty value). */
export function logConfig(driver: string | undefined, opts: string[]): LogConfig {
  const config: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf("=");
    config[eq < 0 ? opt : opt.slice(0, eq)] = eq < 0 ? "" : opt.slice(eq + 1);
  }
  return checkLogConfig({ Type: driver ?? "", Config: config });
}

/** HostConfig.LogConfig checked with docker's rules; an empty Type is the default driver. */
export function checkLogConfig(lc: LogConfig | null | undefined): LogConfig {
  const type = lc?.Type || DEFAULT_LOG_CONFIG.Type;
  const config = lc?.Config ?? {};
  if (!DRIVERS.includes(type as LogDriver))
    throw new BunkerError(`logging driver "${type}" is not supported: use --log-driver ${DRIVERS.join(" or ")}`);
  if (type === "none" && Object.keys(config).length > 0) throw new BunkerError("invalid logging opts for driver none");
  for (const key of Object.keys(config))
    if (!JSON_FILE_OPTS.includes(key)) throw new BunkerError(`unknown log opt '${key}' for json-file log driver (supported: ${JSON_FILE_OPTS.join(", ")})`);
  jsonFileLimits(config); // fails now rather than when the container starts
  for (const key of ["labels-regex", "env-regex"]) {
    if (config[key] === undefined) continue;
    try {
      new RegExp(config[key]);
    } catch {
      throw new BunkerError(`invalid log opt ${key}: not a regular expression: ${config[key]}`);
    }
  }
  return { Type: type, Config: config };
}

/** The parsed log options of a container. */
export function logOptions(record: Pick<ContainerRecord, "HostConfig">): LogOptions {
  const cfg = record.HostConfig.LogConfig ?? DEFAULT_LOG_CONFIG;
  return { driver: cfg.Type as LogDriver, ...jsonFileLimits(cfg.Config) };
}

/** As docker's json-file driver: max-size in decimal units (10m = 10,000,000 bytes), max-file 1 unless given. */
function jsonFileLimits(config: Record<string, string>): Omit<LogOptions, "driver"> {
  let maxSize = 0;
  if (config["max-size"] !== undefined) {
    try {
      maxSize = parseHumanSize(config["max-size"]);
    } catch (e) {
      throw new BunkerError(`invalid log opt max-size: ${(e as Error).message}`);
    }
    if (maxSize <= 0) throw new BunkerError("max-size must be a positive number");
  }
  let maxFile = 1;
  if (config["max-file"] !== undefined) {
    const text = config["max-file"];
    if (!/^[+-]?\d+$/.test(text)) throw new BunkerError(`invalid log opt max-file: strconv.Atoi: parsing "${text}": invalid syntax`);
    maxFile = Number(text);
    if (maxFile < 1) throw new BunkerError("max-file cannot be less than 1");
  }
  return { maxSize, maxFile };
}
