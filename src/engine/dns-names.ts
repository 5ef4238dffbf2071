// The names the containers' embedded DNS resolvers answer (ffi/dns.c, in each
// container's monitor): one file per state root, in its run dir, rewritten
// whole whenever a user network's membership changes (start, exit, rm,
// connect, disconnect). docs/networking.md, "Name resolution".
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic.ts";
import { withLock } from "../lib/lock.ts";
import { SECRET_FILE_MODE } from "../lib/modes.ts";
import { BUILTIN_NAMES } from "../network/networks.ts";
import type { ContainerRecord } from "./container-store.ts";

export const dnsNamesFile = (runRoot: string) => join(runRoot, "dns-names");

/**
 * One line per running container and user network: "NETWORK-ID CONTAINER-ID
 * ADDRESS NAME...", its names there lowercased (DNS ignores case), each also
 * qualified by the network's name, as docker answers "name.network".
 */
export function dnsNamesText(running: ContainerRecord[]): string {
  let text = "";
  for (const c of running) {
    for (const [network, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
      if (BUILTIN_NAMES.has(network) || !ep.IPAddress) continue;
      const names = ep.DNSNames ?? [c.Name.slice(1), ...(ep.Aliases ?? []), c.Id.slice(0, 12)];
      const lower = [...new Set(names.map((n) => n.toLowerCase()))];
      text += `${ep.NetworkID} ${c.Id} ${ep.IPAddress} ${[...lower, ...lower.map((n) => `${n}.${network.toLowerCase()}`)].join(" ")}\n`;
    }
  }
  return text;
}

/**
 * Rewrites the file from the containers RUNNING lists, listed under the file's
 * lock: of two changes at once, the second writer sees the first's container.
 * Returns that list.
 */
export function writeDnsNames(runRoot: string, running: () => ContainerRecord[]): ContainerRecord[] {
  const path = dnsNamesFile(runRoot);
  return withLock(`${path}.lock`, () => {
    const list = running();
    writeFileAtomic(path, dnsNamesText(list), { mode: SECRET_FILE_MODE, durable: false });
    return list;
  });
}
