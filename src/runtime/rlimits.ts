// Resource limits: Docker's --ulimit names, the kernel's numbers, and the
// check against this host's hard limits before a container starts.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";
import { hasSysResource } from "./capabilities.ts";

/** RLIMIT_* by number (asm-generic/resource.h). */
export const RLIMITS = [
  "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
] as const;

/** Docker's --ulimit names (go-units; "as" is left out there too). */
export const ULIMIT_NAMES = [
  "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
];

/** RLIM_INFINITY, which JSON cannot carry exactly: anything at or above 2^63 means unlimited. */
export const UNLIMITED = 2 ** 64 - 1;

export const rlimitType = (name: string) => `RLIMIT_${name.toUpperCase()}`;
export const rlimitNumber = (type: string) => RLIMITS.indexOf(type as (typeof RLIMITS)[number]);
export const isUnlimited = (v: number) => v >= 2 ** 63 || v < 0;

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

function limitValue(text: string, spec: string): number {
  if (text === "unlimited" || text === "-1") return -1;
  if (!/^\d+$/.test(text)) throw new BunkerError(`invalid ulimit argument: ${spec}`);
  return Number(text);
}

/** `--ulimit NAME=SOFT[:HARD]`; -1 or "unlimited" is no limit (kept as -1, Docker's value). */
export function parseUlimit(spec: string): Ulimit {
  const eq = spec.indexOf("=");
  if (eq < 0) throw new BunkerError(`invalid ulimit argument: ${spec}`);
  const name = spec.slice(0, eq);
  if (!ULIMIT_NAMES.includes(name)) throw new BunkerError(`invalid ulimit type: ${name}`);
  const parts = spec.slice(eq + 1).split(":");
  if (parts.length > 2) throw new BunkerError(`too many limit value arguments - ${spec.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  const soft = limitValue(parts[0], spec);
  const hard = parts.length === 2 ? limitValue(parts[1], spec) : soft;
  return checkUlimit({ Name: name, Soft: soft, Hard: hard });
}

/** A HostConfig.Ulimits entry, as the daemon checks it. */
export function checkUlimit(u: Ulimit): Ulimit {
  if (!ULIMIT_NAMES.includes(u.Name)) throw new BunkerError(`invalid ulimit type: ${u.Name}`);
  const { Soft: soft, Hard: hard } = u;
  if (hard !== -1 && (soft === -1 || soft > hard)) throw new BunkerError(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: u.Name, Soft: soft, Hard: hard };
}

/** This process's hard limits by RLIMIT number, from /proc/self/limits (lines in resource order). */
export function hostHardLimits(text = readFileSync("/proc/self/limits", "utf8")): number[] {
  return text
    .split("\n")
    .slice(1, 1 + RLIMITS.length)
    .map((line) => {
      const hard = line.slice(26).trim().split(/\s+/)[1];
      return hard === "unlimited" ? UNLIMITED : Number(hard);
    });
}

/**
 * Raising a hard limit above this process's own needs CAP_SYS_RESOURCE,
 * which some hosts do not grant even to root: say so before the container
 * starts (the child's setrlimit would fail with a bare EPERM).
 */
export function checkRlimitsAllowed(rlimits: { type: string; hard: number }[], hard = hostHardLimits, canRaise = hasSysResource): void {
  if (rlimits.length === 0) return;
  const limits = hard();
  for (const r of rlimits) {
    const host = limits[rlimitNumber(r.type)];
    const asked = isUnlimited(r.hard) ? UNLIMITED : r.hard;
    const hostValue = isUnlimited(host) ? UNLIMITED : host;
    if (asked > hostValue && !canRaise()) {
      const name = r.type.slice("RLIMIT_".length).toLowerCase();
      throw new BunkerError(
        `cannot set ulimit ${name} to ${isUnlimited(r.hard) ? "unlimited" : r.hard}: the hard limit here is ${hostValue} and bunker lacks CAP_SYS_RESOURCE to raise it`,
      );
    }
  }
}
