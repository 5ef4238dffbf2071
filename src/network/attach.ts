// Connecting a container's network namespace to bridge networks: an address
// from the network's pool, a veth pair into the bridge, and its published
// ports as DNAT map elements; and undoing all of it.
import { readFileSync, writeFileSync } from "node:fs";
import { attachVeth, bridgeUp, close, deleteLink, newNetworkNamespace } from "../../ffi/native.ts";
import { BunkerError } from "../lib/errors.ts";
import { dropEndpoints, type Endpoint, type HostNetState, linkExists, ownerMark, withHostNetwork } from "./host-state.ts";
import { addressBytes, contains, formatAddress, formatMac, lastAddress, macFor, parseAddress, parseMac, parseSubnet, type Subnet } from "./ipv4.ts";
import { bridgeDevice, type NetworkRecord } from "./networks.ts";
import { bridgeElements, dropTableScript, type PortRule, portElements } from "./nft.ts";
import { ephemeralRange, hostPortsInUse, type PortMap, splitPortKey } from "./ports.ts";
import type { LiveEndpoint, LiveNetwork } from "./settings.ts";

export interface NetworkRequest {
  /** The name the container knows the network by (a key of NetworkSettings.Networks). */
  name: string;
  network: NetworkRecord;
  ipv4?: string;
  mac?: string;
  /** Names it answers to on a user network (DNSNames). */
  dnsNames: string[] | null;
}

export interface AttachRequest {
  containerId: string;
  networks: NetworkRequest[];
  /** HostConfig.PortBindings; ExposedPorts keys without bindings show as null. */
  portBindings: PortMap;
  exposed: string[];
}

interface BridgeConfig {
  device: string;
  subnet: Subnet;
  gateway: number;
  /** IPAM's IPRange: where dynamic addresses come from (the whole subnet otherwise). */
  range?: Subnet;
  /** IPAM's auxiliary addresses, never handed out. */
  reserved: number[];
}

export function bridgeConfig(n: NetworkRecord): BridgeConfig {
  const cfg = n.IPAM.Config[0];
  if (!cfg) throw new BunkerError(`network ${n.Name} has no subnet`);
  const subnet = parseSubnet(cfg.Subnet);
  return { device: bridgeDevice(n), subnet, gateway: parseAddress(cfg.Gateway) ?? subnet.base + 1, reserved: Object.values(cfg.AuxiliaryAddresses ?? {}).flatMap((a) => parseAddress(a) ?? []), ...(cfg.IPRange ? { range: parseSubnet(cfg.IPRange) } : {}) };
}

function writeSysctl(path: string, value: string): void {
  try {
    if (readFileSync(path, "utf8").trim() !== value) writeFileSync(path, value);
  } catch (e) {
    throw new BunkerError(`cannot set ${path.slice("/proc/sys/".length).replaceAll("/", ".")}=${value}: ${(e as Error).message}`);
  }
}

/**
 * The bridge device up with its gateway address, forwarding on, and its subnet known to nftables; returns
 * nft commands. `definition`: the network's file, whose removal makes the bridge an orphan (host-state.ts).
 */
export function ensureBridge(state: HostNetState, n: NetworkRecord, definition?: string): string {
  const b = bridgeConfig(n);
  if (!linkExists(b.device)) {
    bridgeUp(b.device, addressBytes(b.gateway), b.subnet.prefix);
    // Published ports answer on 127.0.0.1: DNAT'd loopback traffic must be allowed to leave through the bridge
    // (and its replies to come back). nft.ts's localnet chain drops what containers could send to 127.0.0.0/8 with it.
    writeSysctl(`/proc/sys/net/ipv4/conf/${b.device}/route_localnet`, "1");
  }
  writeSysctl("/proc/sys/net/ipv4/ip_forward", "1");
  if (state.bridges[b.device]) return "";
  const subnet = `${formatAddress(b.subnet.base)}/${b.subnet.prefix}`;
  state.bridges[b.device] = { subnet, internal: n.Internal, ...(definition ? { definition } : {}) };
  return bridgeElements("add", b.device, subnet, n.Internal);
}

function allocateAddress(state: HostNetState, b: BridgeConfig, wanted: string | undefined, networkName: string): number {
  const used = new Set(state.endpoints.filter((e) => e.bridge === b.device).map((e) => parseAddress(e.address)));
  used.add(b.gateway);
  for (const a of b.reserved) used.add(a);
  if (wanted) {
    const a = parseAddress(wanted);
    if (a === null) throw new BunkerError(`invalid IPv4 address: ${wanted}`);
    if (!contains(b.subnet, a) || a === b.subnet.base || a === lastAddress(b.subnet))
      throw new BunkerError(`invalid address ${wanted}: it is not a host address of network ${networkName}'s subnet`);
    if (used.has(a)) throw new BunkerError(`Address already in use: ${wanted} on network ${networkName}`);
    return a;
  }
  // Round robin from the last one handed out, as docker does: a released address (whose veth the kernel may
  // still be tearing down) is not handed out again at once.
  const pool = b.range ?? b.subnet;
  const first = Math.max(pool.base, b.subnet.base + 1);
  const size = Math.min(lastAddress(pool) + 1, lastAddress(b.subnet)) - first;
  const after = state.lastAddress?.[b.device] ?? first - 1;
  for (let i = 1; i <= size; i++) {
    const a = first + ((after - first + i + size) % size);
    if (!used.has(a)) {
      (state.lastAddress ??= {})[b.device] = a;
      return a;
    }
  }
  throw new BunkerError(`no available IPv4 addresses on network ${networkName}`);
}

const overlapsHost = (a: string, b: string) => a === "" || b === "" || a === b;

/** The host ports the bindings take, random ones drawn from the ephemeral range; refuses ports taken by bunker or the host. */
function resolvePorts(state: HostNetState, bindings: PortMap, address: string): PortRule[] {
  const rules: PortRule[] = [];
  const taken = [...state.endpoints.flatMap((e) => e.ports)];
  // Read only when ports are published: /proc/net/tcp lists every socket of the host, which takes milliseconds.
  const inUse: Partial<Record<"tcp" | "udp", Set<number>>> = {};
  const isFree = (proto: "tcp" | "udp", ip: string, port: number) =>
    !(inUse[proto] ??= hostPortsInUse(proto)).has(port) && !taken.some((r) => r.proto === proto && r.hostPort === port && overlapsHost(r.hostIp, ip));
  for (const [key, list] of Object.entries(bindings)) {
    const { port, proto } = splitPortKey(key);
    for (const b of list ?? []) {
      let hostPort = Number(b.HostPort);
      if (!b.HostPort) {
        const [lo, hi] = ephemeralRange();
        const start = lo + Math.floor(Math.random() * (hi - lo + 1));
        hostPort = 0;
        for (let i = 0; i <= hi - lo && !hostPort; i++) {
          const p = lo + ((start - lo + i) % (hi - lo + 1));
          if (isFree(proto, b.HostIp, p)) hostPort = p;
        }
        if (!hostPort) throw new BunkerError(`no free host port for ${key}`);
      } else if (!isFree(proto, b.HostIp, hostPort)) {
        throw new BunkerError(`Bind for ${b.HostIp || "0.0.0.0"}:${hostPort} failed: port is already allocated (by a container or a host process)`);
      }
      const rule: PortRule = { proto, hostIp: b.HostIp, hostPort, address, port };
      rules.push(rule);
      taken.push(rule);
    }
  }
  return rules;
}

function livePorts(rules: PortRule[], exposed: string[]): PortMap {
  const ports: PortMap = Object.fromEntries(exposed.map((k) => [k, null]));
  for (const r of rules) (ports[`${r.port}/${r.proto}`] ??= []).push({ HostIp: r.hostIp || "0.0.0.0", HostPort: String(r.hostPort) });
  return ports;
}

/** A host-side veth name: the container's id, and which of its networks. */
const vethName = (id: string, index: number) => `vb${id.slice(0, 10)}${index.toString(36)}`;

/** Adds endpoints on REQUESTS to the namespace NSFD; the first also gets the default route and the ports. */
function addEndpoints(state: HostNetState, nsfd: number, id: string, requests: NetworkRequest[], firstIndex: number, ports: { bindings: PortMap; exposed: string[] } | null) {
  let script = "";
  const endpoints: Record<string, LiveEndpoint> = {};
  const made: Endpoint[] = [];
  let rules: PortRule[] = [];
  try {
    for (const [i, req] of requests.entries()) {
      script += ensureBridge(state, req.network);
      const b = bridgeConfig(req.network);
      const address = allocateAddress(state, b, req.ipv4, req.name);
      const index = firstIndex + i;
      const veth = vethName(id, index);
      const mac = req.mac ? parseMac(req.mac) : macFor(address);
      if (ports && i === 0) rules = resolvePorts(state, ports.bindings, formatAddress(address));
      // A leftover of a crash between its creation and the state's write. Checked in sysfs first:
      // a netlink request waits for the kernel's lock, which dying namespaces hold for milliseconds.
      if (linkExists(veth)) deleteLink(veth);
      attachVeth({ bridge: b.device, host: veth, ifname: `eth${index}`, address: addressBytes(address), prefix: b.subnet.prefix, gateway: index === 0 ? addressBytes(b.gateway) : null, mac }, nsfd);
      const endpoint: Endpoint = { container: id, network: req.network.Id, bridge: b.device, veth, address: formatAddress(address), ports: i === 0 ? rules : [], ...ownerMark() };
      made.push(endpoint);
      state.endpoints.push(endpoint);
      endpoints[req.name] = {
        EndpointID: `${id.slice(0, 32)}${req.network.Id.slice(0, 32)}`,
        Gateway: formatAddress(b.gateway),
        IPAddress: formatAddress(address),
        IPPrefixLen: b.subnet.prefix,
        MacAddress: formatMac(mac),
        DNSNames: req.dnsNames,
      };
    }
  } catch (e) {
    for (const m of made) deleteLink(m.veth);
    throw e;
  }
  return { endpoints, rules, nft: script + portElements("add", rules) };
}

/**
 * A new network namespace for container ID, attached to its networks. Returns
 * the namespace (an fd the caller closes once the container has joined it)
 * and what inspect shows of it.
 */
export function attachContainer(req: AttachRequest): { netns: number; live: LiveNetwork } {
  const netns = newNetworkNamespace();
  try {
    const live = withHostNetwork((state) => {
      // A previous run's endpoints, if its exit went unrecorded: their veths died with its namespace.
      const previous = dropEndpoints(state, (e) => e.container === req.containerId, false);
      const r = addEndpoints(state, netns, req.containerId, req.networks, 0, { bindings: req.portBindings, exposed: req.exposed });
      const value: LiveNetwork = { SandboxKey: "", Ports: livePorts(r.rules, req.exposed), Endpoints: r.endpoints };
      return { value, nft: previous + r.nft };
    });
    return { netns, live };
  } catch (e) {
    close(netns);
    throw e;
  }
}

/** Adds one more network to a running container's namespace (`network connect`). */
export function connectNamespace(nsfd: number, id: string, req: NetworkRequest): LiveEndpoint {
  return withHostNetwork((state) => {
    const indexes = new Set(state.endpoints.filter((e) => e.container === id).map((e) => Number.parseInt(e.veth.slice(12), 36)));
    let index = 0;
    while (indexes.has(index)) index++;
    const r = addEndpoints(state, nsfd, id, [req], index, null);
    return { value: r.endpoints[req.name], nft: r.nft };
  });
}

/**
 * Removes container ID's endpoints (all, or on network `networkId` only): addresses, ports and, with
 * `deleteLinks`, their veths. Deleting a veth waits for the kernel (~10-30 ms of RCU grace periods);
 * a namespace whose processes have all exited loses its veths anyway, in the background.
 */
export function releaseContainer(id: string, o: { networkId?: string; deleteLinks: boolean }): void {
  const mine = (e: Endpoint) => e.container === id && (!o.networkId || e.network === o.networkId);
  withHostNetwork((state) => ({ value: undefined, nft: dropEndpoints(state, mine, o.deleteLinks) }));
}

/** Whether any container still has an endpoint on the network (after repairing stale ones). */
export function networkInUse(networkId: string): boolean {
  return withHostNetwork((state) => ({ value: state.endpoints.some((e) => e.network === networkId) }));
}

/** Removes a network's bridge device and its nftables entries. */
export function removeBridge(n: NetworkRecord, opts: { ifIdle?: boolean } = {}): void {
  const device = bridgeDevice(n);
  withHostNetwork((state) => {
    if (opts.ifIdle && state.endpoints.some((e) => e.bridge === device)) return { value: undefined };
    const known = state.bridges[device];
    delete state.bridges[device];
    delete state.lastAddress?.[device];
    if (linkExists(device)) deleteLink(device);
    // With the last bridge gone, so goes bunker's nftables table: an idle host keeps nothing of bunker's.
    if (Object.keys(state.bridges).length === 0 && state.endpoints.length === 0) {
      state.table = 0;
      return { value: undefined, nft: dropTableScript() };
    }
    return { value: undefined, nft: known ? bridgeElements("delete", device, known.subnet, known.internal) : "" };
  });
}
