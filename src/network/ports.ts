// -p/--publish, --expose and -P, into docker's HostConfig.PortBindings and
// Config.ExposedPorts ("80/tcp" keys), and the host ports they take at start.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";
import { parseAddress } from "./ipv4.ts";

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}
export type PortMap = Record<string, PortBinding[] | null>;

function parseRange(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = m ? Number(m[1]) : Number.NaN;
  const end = m?.[2] !== undefined ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start) throw new BunkerError(`invalid ${what}: ${text}`);
  return [start, end];
}

function parseProto(text: string): "tcp" | "udp" {
  const p = text.toLowerCase();
  if (p !== "tcp" && p !== "udp") throw new BunkerError(`invalid proto: ${text} (use tcp or udp)`);
  return p;
}

/** One -p value: [ip:][hostPort[-end]:]containerPort[-end][/proto]. */
export function parsePublish(spec: string, bindings: PortMap): void {
  const slash = spec.lastIndexOf("/");
  const proto = slash >= 0 ? parseProto(spec.slice(slash + 1)) : "tcp";
  const parts = (slash >= 0 ? spec.slice(0, slash) : spec).split(":");
  if (parts.length > 3) throw new BunkerError(`invalid port specification: "${spec}" (IPv6 host addresses are not supported)`);
  const [ip, host, container] = parts.length === 3 ? parts : parts.length === 2 ? ["", ...parts] : ["", "", parts[0]];
  if (ip && parseAddress(ip) === null) throw new BunkerError(`invalid IP address in publish spec "${spec}": ${ip}`);
  const [cStart, cEnd] = parseRange(container, "containerPort");
  const [hStart, hEnd] = host ? parseRange(host, "hostPort") : [0, 0];
  const count = cEnd - cStart + 1;
  if (host && count > 1 && hEnd - hStart + 1 !== count)
    throw new BunkerError(`invalid ranges specified for container and host ports: "${spec}" (both ranges must be the same length)`);
  for (let i = 0; i < count; i++) {
    // A host range for one container port means "any free port in it"; bunker takes its first.
    const hostPort = host ? String(hStart + (count === 1 ? 0 : i)) : "";
    const key = `${cStart + i}/${proto}`;
    (bindings[key] ??= []).push({ HostIp: ip === "0.0.0.0" ? "" : ip, HostPort: hostPort });
  }
}

/** --expose values: port[-end][/proto]. */
export function parseExpose(spec: string, exposed: Record<string, object>): void {
  const slash = spec.lastIndexOf("/");
  const proto = slash >= 0 ? parseProto(spec.slice(slash + 1)) : "tcp";
  const [start, end] = parseRange(slash >= 0 ? spec.slice(0, slash) : spec, "port");
  for (let p = start; p <= end; p++) exposed[`${p}/${proto}`] = {};
}

/** A port/proto key of ExposedPorts or PortBindings. */
export function splitPortKey(key: string): { port: number; proto: "tcp" | "udp" } {
  const [port, proto = "tcp"] = key.split("/");
  return { port: Number(port), proto: proto === "udp" ? "udp" : "tcp" };
}

/** Host ports some process listens on (tcp) or is bound to (udp), from /proc/net. */
export function hostPortsInUse(proto: "tcp" | "udp"): Set<number> {
  const used = new Set<number>();
  for (const file of [`/proc/net/${proto}`, `/proc/net/${proto}6`]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      if (proto === "tcp" && f[3] !== "0A") continue; // LISTEN
      used.add(Number.parseInt(f[1].slice(f[1].lastIndexOf(":") + 1), 16));
    }
  }
  return used;
}

/** The range docker draws random host ports from: the kernel's ephemeral range. */
export function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not readable: docker's fallback
  }
  return [49153, 65535];
}
