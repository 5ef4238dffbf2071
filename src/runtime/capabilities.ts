// Linux capabilities by number (linux/capability.h) and Docker's rules for
// --cap-add, --cap-drop and --privileged (moby's oci/caps).
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";

/** Index = capability number. */
export const CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
  "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
] as const;

const NUMBER = new Map<string, number>(CAPABILITIES.map((c, i) => [c, i]));

/** Docker's 14, in moby's order. */
export const DEFAULT_CAPABILITIES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

/** A set of capability names as the kernel's bit mask. */
export function capabilityMask(names: readonly string[] = []): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = NUMBER.get(name);
    if (n === undefined) throw new Error(`unknown capability in runtime spec: ${name}`);
    mask |= 1n << BigInt(n);
  }
  return mask;
}

/** `net_admin`, `NET_ADMIN` and `CAP_NET_ADMIN` are one capability; ALL stays ALL. Unknown names fail as in Docker. */
export function normalizeCapabilities(names: string[], field: "CapAdd" | "CapDrop"): string[] {
  return names.map((raw) => {
    const upper = raw.toUpperCase();
    if (upper === "ALL") return upper;
    const name = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
    if (!NUMBER.has(name)) throw new BunkerError(`invalid ${field}: unknown capability: "${name}"`);
    return name;
  });
}

/**
 * The capabilities this host lets a container have: those bunker itself holds
 * (bounding and permitted; on some hosts CAP_SYS_RESOURCE is missing).
 * Read only for --privileged, --cap-add.
 */
export function hostCapabilities(status = readFileSync("/proc/self/status", "utf8")): string[] {
  const field = (name: string) => BigInt(`0x${status.match(new RegExp(`^${name}:\\s*([0-9a-f]+)`, "m"))?.[1] ?? "0"}`);
  const mask = field("CapBnd") & field("CapPrm");
  return CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/**
 * Docker's TweakCapabilities: privileged gets everything available; ALL in
 * adds means all but the drops; ALL in drops means just the adds; otherwise
 * the defaults less the drops plus the adds. Names are normalized already.
 */
export function tweakCapabilities(adds: string[], drops: string[], privileged: boolean, available: () => string[] = hostCapabilities): string[] {
  if (privileged) return available();
  if (adds.length === 0 && drops.length === 0) return DEFAULT_CAPABILITIES;
  if (adds.length > 0) {
    const have = new Set(available());
    for (const c of adds) {
      if (c !== "ALL" && !have.has(c)) throw new BunkerError(`capability not supported by your kernel or not available in the current environment: "${c}"`);
    }
  }
  let caps: string[];
  if (adds.includes("ALL")) caps = available().filter((c) => !drops.includes(c));
  else if (drops.includes("ALL")) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)];
}

const CAP_SYS_RESOURCE = 24;

/** Whether this process may raise hard resource limits. */
export function hasSysResource(status = readFileSync("/proc/self/status", "utf8")): boolean {
  const eff = BigInt(`0x${status.match(/^CapEff:\s*([0-9a-f]+)/m)?.[1] ?? "0"}`);
  return ((eff >> BigInt(CAP_SYS_RESOURCE)) & 1n) === 1n;
}
