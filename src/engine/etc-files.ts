// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted
// over the image's files as docker does.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import { isOneLine } from "../lib/untrusted-text.ts";
import { writeFileAtomic } from "../lib/atomic.ts";
import { OPEN_FILE_MODE } from "../lib/modes.ts";

const BASE_HOSTS = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
ff00::0	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`;

/** What networking adds: host entries (own address, --add-host, --link), --dns, --dns-search, --dns-option. */
export interface EtcExtras {
  hosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** On a user network: the embedded resolver is the nameserver, and the others (--dns's, or the host's) are its upstreams. */
  resolver?: boolean;
}

/** The embedded resolver's address, docker's (ffi/dns.c listens there in each container's network namespace). */
export const RESOLVER_ADDRESS = "127.0.0.11";

/** docker's fallback when the host has no nameserver a container can reach. */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4"];
const isLoopbackServer = (l: string) => /^\s*nameserver\s+(127\.|::1\s*$)/.test(l);

/**
 * Host nameservers on loopback (systemd-resolved, dnsmasq) cannot be reached
 * from another network namespace: they are dropped, and if none is left,
 * systemd-resolved's upstream list or docker's public fallback replaces them.
 */
export function containerResolvConf(hostText: string, networkMode: string, extra: EtcExtras = {}, upstreamText = ""): string {
  if (networkMode === "host" && !extra.dns?.length && !extra.dnsSearch?.length && !extra.dnsOptions?.length) return hostText;
  let lines = hostText.split("\n").filter((l) => l.trim() !== "" && !isLoopbackServer(l));
  const servers = (ls: string[]) => ls.filter((l) => /^\s*nameserver\s/.test(l));
  if (servers(lines).length === 0 && networkMode !== "none") {
    const upstream = servers(upstreamText.split("\n").filter((l) => !isLoopbackServer(l)));
    lines.push(...(upstream.length > 0 ? upstream : FALLBACK_NAMESERVERS.map((s) => `nameserver ${s}`)));
  }
  if (extra.dns?.length) lines = [...lines.filter((l) => !/^\s*nameserver\s/.test(l)), ...extra.dns.map((s) => `nameserver ${s}`)];
  if (extra.dnsSearch?.length) lines = [...lines.filter((l) => !/^\s*(search|domain)\s/.test(l)), `search ${extra.dnsSearch.join(" ")}`];
  if (extra.dnsOptions?.length) lines = [...lines.filter((l) => !/^\s*options\s/.test(l)), `options ${extra.dnsOptions.join(" ")}`];
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** The embedded resolver's resolv.conf, from the one the container would have without it: docker's ndots:0 unless an ndots option is given. */
function resolverConf(plain: string): string {
  const lines = plain.split("\n").filter((l) => l.trim() !== "" && !/^\s*nameserver\s/.test(l));
  const options = lines.findIndex((l) => /^\s*options\s/.test(l));
  if (options < 0) lines.push("options ndots:0");
  else if (!/\sndots:/.test(lines[options])) lines[options] += " ndots:0";
  return `${[`nameserver ${RESOLVER_ADDRESS}`, ...lines].join("\n")}\n`;
}

/** The IPv4 nameservers of a resolv.conf text: the resolver's upstreams (ffi/dns.c forwards over IPv4 only). */
const nameservers = (text: string) => text.split("\n").flatMap((l) => /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l)?.[1] ?? []);

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

export function hostsText(networkMode: string, extra: EtcExtras = {}): string {
  const base = networkMode === "host" ? readOr("/etc/hosts", BASE_HOSTS) : BASE_HOSTS;
  return base + (extra.hosts ?? []).map((l) => `${l}\n`).join("");
}

/**
 * Writes the three files into the container's directory. They are derived data: recreated on every start.
 * With extra.resolver, returns the servers the embedded resolver forwards to; otherwise null.
 */
export function writeEtcFiles(dir: string, hostname: string, networkMode: string, extra: EtcExtras = {}): string[] | null {
  // The last line of defence: create checks these values, but a record may come from an older bunker.
  const broken = [hostname, ...(extra.hosts ?? []), ...(extra.dns ?? []), ...(extra.dnsSearch ?? []), ...(extra.dnsOptions ?? [])].find((v) => !isOneLine(v));
  if (broken !== undefined) throw new BunkerError(`refusing to write ${JSON.stringify(broken)} into /etc/hosts or resolv.conf: it holds a line break; recreate the container without it`);
  // Whole new files (no container has them mounted yet), readable by the container's users whatever the umask.
  const write = (name: string, text: string) => writeFileAtomic(join(dir, name), text, { mode: OPEN_FILE_MODE, durable: false });
  write("hostname", `${hostname}\n`);
  write("hosts", hostsText(networkMode, extra));
  const host = readOr("/etc/resolv.conf", "");
  const upstream = readOr("/run/systemd/resolve/resolv.conf", "");
  const plain = containerResolvConf(host, networkMode, extra, upstream);
  if (!extra.resolver) {
    write("resolv.conf", plain);
    return null;
  }
  write("resolv.conf", resolverConf(plain));
  return nameservers(plain);
}
