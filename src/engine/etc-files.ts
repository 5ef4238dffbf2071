// The per-container /etc/hostname, /etc/hosts and /etc/resolv.conf, bind-mounted
// over the image's files as docker does.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const BASE_HOSTS = `127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
fe00::0	ip6-localnet
ff00::0	ip6-mcastprefix
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
`;

/** Host nameservers on loopback cannot be reached from another network namespace, so they are dropped. */
export function containerResolvConf(hostText: string, networkMode: string): string {
  if (networkMode === "host") return hostText;
  return hostText
    .split("\n")
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(l))
    .join("\n");
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** Writes the three files into the container's directory. They are derived data: recreated on every start. */
export function writeEtcFiles(dir: string, hostname: string, networkMode: string): void {
  writeFileSync(join(dir, "hostname"), `${hostname}\n`);
  writeFileSync(join(dir, "hosts"), networkMode === "host" ? readOr("/etc/hosts", BASE_HOSTS) : BASE_HOSTS);
  writeFileSync(join(dir, "resolv.conf"), containerResolvConf(readOr("/etc/resolv.conf", ""), networkMode));
}
