// Network definitions, in docker's inspect shape: the built-in `bridge`,
// `host` and `none`, and user networks (one file each under <root>/networks).
// The default bridge is the same device (bunker0) for every state root on
// the host; a user network has its own bridge, br-<id prefix>.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { withLock } from "../lib/lock.ts";
import { formatAddress, parseSubnet } from "./ipv4.ts";

/** A subnet of a network; IPRange, when given, is where its containers' addresses are drawn from. */
export interface IpamPool {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
  /** Addresses kept out of allocation (docker's auxiliary addresses), by name. */
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: "local";
  Driver: "bridge" | "host" | "null";
  EnableIPv6: boolean;
  IPAM: { Driver: "default"; Options: Record<string, string> | null; Config: IpamPool[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export const BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";
export const DEFAULT_BRIDGE_DEVICE = "bunker0";
/** Avoids docker's 172.17.0.0/16 and podman's 10.88.0.0/16; BUNKER_BRIDGE_SUBNET (host-wide) changes it. */
export const DEFAULT_BRIDGE_SUBNET = process.env.BUNKER_BRIDGE_SUBNET || "10.123.0.0/16";

// Bun's own hasher: node:crypto would cost every start on a bridge ~2 ms to load.
const fixedId = (name: string) => new Bun.CryptoHasher("sha256").update(`bunker network ${name}`).digest("hex");

function builtin(name: string, driver: NetworkRecord["Driver"], extra: Partial<NetworkRecord> = {}): NetworkRecord {
  return {
    Name: name,
    Id: fixedId(name),
    Created: "0001-01-01T00:00:00Z",
    Scope: "local",
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: "default", Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Options: {},
    Labels: {},
    ...extra,
  };
}

function defaultBridge(): NetworkRecord {
  const subnet = parseSubnet(DEFAULT_BRIDGE_SUBNET);
  return builtin("bridge", "bridge", {
    IPAM: { Driver: "default", Options: null, Config: [{ Subnet: DEFAULT_BRIDGE_SUBNET, Gateway: formatAddress(subnet.base + 1) }] },
    Options: { [BRIDGE_NAME_OPTION]: DEFAULT_BRIDGE_DEVICE, "com.docker.network.bridge.default_bridge": "true" },
  });
}

export const BUILTIN_NAMES = new Set(["bridge", "host", "none"]);

export const bridgeDevice = (n: NetworkRecord) => n.Options[BRIDGE_NAME_OPTION];

export class NetworkStore {
  private readonly dir: string;
  readonly lockPath: string;

  constructor(root: string) {
    this.dir = join(root, "networks");
    this.lockPath = join(this.dir, ".lock");
  }

  builtins(): NetworkRecord[] {
    return [defaultBridge(), builtin("host", "host"), builtin("none", "null")];
  }

  /** User networks, oldest first. */
  userNetworks(): NetworkRecord[] {
    if (!existsSync(this.dir)) return [];
    const out: NetworkRecord[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(".json")) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), "utf8")));
      } catch {
        // removed meanwhile
      }
    }
    return out.sort((a, b) => a.Created.localeCompare(b.Created));
  }

  list(): NetworkRecord[] {
    return [...this.builtins(), ...this.userNetworks()];
  }

  /** By name, full id or unique id prefix, as docker looks networks up. */
  find(ref: string): NetworkRecord {
    const all = this.list();
    const exact = all.find((n) => n.Name === ref || n.Id === ref);
    if (exact) return exact;
    const byPrefix = ref.length > 0 && /^[0-9a-f]+$/.test(ref) ? all.filter((n) => n.Id.startsWith(ref)) : [];
    if (byPrefix.length === 1) return byPrefix[0];
    if (byPrefix.length > 1) throw new BunkerError(`network ${ref} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
    throw new NotFoundError(`network ${ref} not found`);
  }

  file(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  save(n: NetworkRecord): void {
    mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(this.file(n.Id), n);
  }

  delete(id: string): void {
    rmSync(this.file(id), { force: true });
  }

  withLock<T>(fn: () => T): T {
    return withLock(this.lockPath, fn);
  }
}
