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

/** What networking adds: host entries (own address, --add-host, peers on user networks), --dns, --dns-search, --dns-option. */
export interface EtcExtras {
  hosts?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
}

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

/** Writes the three files into the container's directory. They are derived data: recreated on every start. */
export function writeEtcFiles(dir: string, hostname: string, networkMode: string, extra: EtcExtras = {}): void {
  // The last line of defence: create checks these values, but a record may come from an older bunker.
  const broken = [hostname, ...Object.values(extra).flat()].find((v) => !isOneLine(v));
  if (broken !== undefined) throw new BunkerError(`refusing to write ${JSON.stringify(broken)} into /etc/hosts or resolv.conf: it holds a line break; recreate the container without it`);
  // Whole new files (no container has them mounted yet), readable by the container's users whatever the umask.
  const write = (name: string, text: string) => writeFileAtomic(join(dir, name), text, { mode: OPEN_FILE_MODE, durable: false });
  write("hostname", `${hostname}\n`);
  write("hosts", hostsText(networkMode, extra));
  const upstream = readOr("/run/systemd/resolve/resolv.conf", "");
  write("resolv.conf", containerResolvConf(readOr("/etc/resolv.conf", ""), networkMode, extra, upstream));
}
