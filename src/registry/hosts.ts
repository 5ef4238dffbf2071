// Per-host transport policy, as docker decides it: which registries may be
// reached over plain http, and which extra CAs and client certificates a
// host's TLS uses (/etc/docker/certs.d, /etc/containers/certs.d).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as nodeTls from "node:tls";
import { join } from "node:path";

/** The API endpoint of a registry domain: Docker Hub's images live on registry-1.docker.io. */
export function apiHost(domain: string): string {
  return domain === "docker.io" || domain === "index.docker.io" ? "registry-1.docker.io" : domain;
}

/** "[::1]:5000" -> "::1", "127.0.0.1:5000" -> "127.0.0.1", "host" -> "host". */
export function hostname(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon >= 0 && host.indexOf(":") === colon ? host.slice(0, colon) : host;
}

function isLoopback(name: string): boolean {
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

function ipv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** An insecure-registries entry matches "host[:port]" exactly, or an IPv4 literal inside a CIDR (as docker's). */
function matches(entry: string, host: string): boolean {
  const e = entry.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");
  if (e === host) return true;
  const slash = e.indexOf("/");
  if (slash < 0) return false;
  const net = ipv4(e.slice(0, slash));
  const bits = Number(e.slice(slash + 1));
  const ip = ipv4(hostname(host));
  if (net === undefined || ip === undefined || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & mask) >>> 0) === ((net & mask) >>> 0);
}

export const DAEMON_JSON = "/etc/docker/daemon.json";

/** BUNKER_INSECURE_REGISTRIES (comma-separated) and daemon.json's "insecure-registries". */
export function insecureRegistries(daemonJson = DAEMON_JSON): string[] {
  const out = (process.env.BUNKER_INSECURE_REGISTRIES ?? "").split(",").filter((s) => s.trim() !== "");
  try {
    const cfg = JSON.parse(readFileSync(daemonJson, "utf8")) as { "insecure-registries"?: unknown };
    const list = cfg["insecure-registries"];
    if (Array.isArray(list)) out.push(...list.filter((s): s is string => typeof s === "string"));
  } catch {
    // no daemon.json, or not ours to judge: docker itself would refuse to start on a broken one
  }
  return out;
}

/**
 * Plain http (and unverified https) is allowed only for loopback and the
 * registries the user declared insecure, as docker's default 127.0.0.0/8.
 */
export function isInsecure(host: string, force = false, list: string[] = insecureRegistries()): boolean {
  return force || isLoopback(hostname(host)) || list.some((e) => matches(e, host));
}

export const CERTS_DIRS = ["/etc/docker/certs.d", "/etc/containers/certs.d"];

export type TlsOptions = NonNullable<BunFetchRequestInit["tls"]>;
const tlsCache = new Map<string, TlsOptions | undefined>();

/**
 * Extra trust for one host:port: every *.crt in its certs.d directories is a CA
 * (docker's ca.crt among them), a *.cert with its *.key a client certificate.
 * Passing `ca` replaces the default trust store, so the defaults (bundled and
 * system CAs) are added back: docker appends to the system pool too.
 */
export function tlsFor(host: string, insecure: boolean, dirs = CERTS_DIRS): TlsOptions | undefined {
  const key = `${host}\0${insecure}\0${dirs.join("\0")}`;
  if (tlsCache.has(key)) return tlsCache.get(key);
  const ca: string[] = [];
  let cert: string | undefined;
  let privateKey: string | undefined;
  for (const base of dirs) {
    if (host === "" || host.startsWith(".")) break; // URL hosts cannot hold "/", but ".." must not climb out either
    const dir = join(base, host);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name.endsWith(".crt")) ca.push(readFileSync(path, "utf8"));
      else if (name.endsWith(".cert") && existsSync(path.replace(/\.cert$/, ".key")) && cert === undefined) {
        cert = readFileSync(path, "utf8");
        privateKey = readFileSync(path.replace(/\.cert$/, ".key"), "utf8");
      }
    }
  }
  let opts: TlsOptions | undefined;
  if (ca.length > 0 || cert || insecure) {
    opts = {};
    if (ca.length > 0) opts.ca = [...defaultCAs(), ...ca];
    if (cert) Object.assign(opts, { cert, key: privateKey });
    // An insecure registry may present any certificate (docker's InsecureSkipVerify).
    if (insecure) opts.rejectUnauthorized = false;
  }
  tlsCache.set(key, opts);
  return opts;
}

function defaultCAs(): string[] {
  const get = (nodeTls as { getCACertificates?: (kind: string) => string[] }).getCACertificates;
  return get ? get("default") : [...nodeTls.rootCertificates];
}
