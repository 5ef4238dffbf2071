// `network create|rm|prune|connect|disconnect` and what inspect shows of a
// network: user bridge networks of this state root.
import { close, O_CLOEXEC, O_RDONLY, open } from "../../ffi/native.ts";
import { BunkerError, ConflictError, ForbiddenError, NotFoundError } from "../lib/errors.ts";
import { connectNamespace, ensureBridge, networkInUse, releaseContainer, removeBridge } from "../network/attach.ts";
import { withHostNetwork } from "../network/host-state.ts";
import { hostRoutes } from "../network/host-routes.ts";
import { contains, formatAddress, formatSubnet, lastAddress, overlaps, parseAddress, parseSubnet, type Subnet } from "../network/ipv4.ts";
import { BRIDGE_NAME_OPTION, BUILTIN_NAMES, type IpamPool, type NetworkRecord } from "../network/networks.ts";
import { emptySettings, endpointSettings } from "../network/settings.ts";
import { networkStore, refreshPeers } from "./container-network.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { networkEvent } from "./events.ts";
import type { Filters } from "../lib/filters.ts";
import { isValidName } from "./names.ts";

export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  /** Where containers' addresses are drawn from: a part of the subnet. */
  ipRange?: string;
  /** Addresses of the subnet kept out of allocation, by name. */
  auxAddresses?: Record<string, string>;
  internal: boolean;
  labels: Record<string, string>;
  /** Recorded as given (docker's Attachable matters to swarm only). */
  attachable?: boolean;
  /** Driver options, kept beside the bridge's name. */
  options?: Record<string, string>;
}

/** The filter keys of `network ls` and GET /networks. */
export const NETWORK_FILTERS = ["name", "id", "driver", "type", "label", "scope", "dangling"] as const;

const isBuiltin = (n: NetworkRecord) => n.Created.startsWith("0001");

/** The networks FILTERS keep, as docker's network filters match them. */
export function listNetworks(engine: Engine, filters: Filters): NetworkRecord[] {
  const types = filters.oneOf("type", ["custom", "builtin"], (v) => `invalid filter: 'type'='${v}'`);
  const dangling = filters.bool("dangling");
  return networkStore(engine)
    .list()
    .filter(
      (n) =>
        filters.match("name", n.Name) &&
        filters.match("id", n.Id) &&
        filters.exact("driver", n.Driver) &&
        filters.exact("scope", n.Scope) &&
        (types.length === 0 || types.includes(isBuiltin(n) ? "builtin" : "custom")) &&
        filters.labels(n.Labels) &&
        (dangling === undefined || (!isBuiltin(n) && networkUsers(engine, n).length === 0) === dangling),
    );
}

/** Where automatic subnets come from: 10.124.0.0/14 in /24s (docker uses 172.17-31/16 and 192.168/16, podman 10.88-89). */
const POOL = { base: parseAddress("10.124.0.0") as number, count: 1024 };

function pickSubnet(taken: Subnet[]): Subnet {
  for (let i = 0; i < POOL.count; i++) {
    const s = { base: POOL.base + i * 256, prefix: 24 };
    if (!taken.some((t) => overlaps(s, t))) return s;
  }
  throw new BunkerError("no free subnet left in bunker's pool (10.124.0.0/14): give one with --subnet");
}

export function createNetwork(engine: Engine, o: CreateNetworkOptions): NetworkRecord {
  if (!isValidName(o.name)) throw new BunkerError(`invalid network name "${o.name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (o.driver !== undefined && o.driver !== "bridge") throw new NotFoundError(`plugin "${o.driver}" not found: bunker has the bridge driver only`);
  const store = networkStore(engine);
  return store.withLock(() =>
    withHostNetwork((state) => {
      const existing = store.list();
      if (existing.some((n) => n.Name === o.name)) throw new ConflictError(`network with name ${o.name} already exists`);
      const taken = [...hostRoutes(), ...existing.flatMap((n) => n.IPAM.Config.map((c) => parseSubnet(c.Subnet)))];
      let subnet: Subnet;
      if (o.subnet) {
        subnet = parseSubnet(o.subnet);
        if (taken.some((t) => overlaps(t, subnet))) throw new BunkerError(`invalid pool request: Pool overlaps with other one on this address space (${o.subnet})`);
      } else subnet = pickSubnet(taken);
      let gateway = subnet.base + 1;
      if (o.gateway) {
        const g = parseAddress(o.gateway);
        if (g === null || !contains(subnet, g) || g === subnet.base || g === lastAddress(subnet))
          throw new BunkerError(`invalid gateway ${o.gateway}: give a host address of the subnet ${formatSubnet(subnet)}`);
        gateway = g;
      }
      const range = o.ipRange ? parseSubnet(o.ipRange) : undefined;
      if (range && (!contains(subnet, range.base) || range.prefix < subnet.prefix)) throw new BunkerError(`invalid ip range ${o.ipRange}: it must lie inside the subnet ${formatSubnet(subnet)}`);
      const aux = o.auxAddresses && Object.keys(o.auxAddresses).length > 0 ? o.auxAddresses : undefined;
      for (const a of Object.values(aux ?? {}))
        if (!contains(subnet, parseAddress(a) ?? -1)) throw new BunkerError(`invalid auxiliary address ${a}: give an address of the subnet ${formatSubnet(subnet)}`);
      // In docker's field order (Subnet, IPRange, Gateway, AuxiliaryAddresses), as its templates print them.
      const pool: IpamPool = { Subnet: formatSubnet(subnet), ...(range && { IPRange: formatSubnet(range) }), Gateway: formatAddress(gateway), ...(aux && { AuxiliaryAddresses: aux }) };
      const id = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
      const n: NetworkRecord = {
        ...store.builtins()[0],
        Name: o.name,
        Id: id,
        Created: new Date().toISOString(),
        IPAM: { Driver: "default", Options: {}, Config: [pool] },
        Internal: o.internal,
        Attachable: o.attachable ?? false,
        Options: { ...o.options, [BRIDGE_NAME_OPTION]: `br-${id.slice(0, 12)}` },
        Labels: o.labels,
      };
      store.save(n);
      try {
        const made = { value: n, nft: ensureBridge(state, n, store.file(n.Id)) };
        networkEvent(engine, "create", n);
        return made;
      } catch (e) {
        store.delete(n.Id);
        throw e;
      }
    }),
  );
}

/** Containers of this root on network N (any state). */
export function networkUsers(engine: Engine, n: NetworkRecord): ContainerRecord[] {
  return engine.containers.list().filter((c) => Object.values(c.NetworkSettings?.Networks ?? {}).some((e) => e.NetworkID === n.Id));
}

export function removeNetwork(engine: Engine, ref: string): NetworkRecord {
  const store = networkStore(engine);
  const n = store.find(ref);
  if (BUILTIN_NAMES.has(n.Name) && n.Id === store.builtins().find((b) => b.Name === n.Name)?.Id)
    throw new ForbiddenError(`${n.Name} is a pre-defined network and cannot be removed`);
  return store.withLock(() => {
    const running = networkUsers(engine, n).filter((c) => c.State.Running);
    if (running.length > 0 || networkInUse(n.Id))
      throw new ForbiddenError(`error while removing network: network ${n.Name} id ${n.Id} has active endpoints (${running.map((c) => c.Name.slice(1)).join(", ")}): stop or disconnect them first`);
    removeBridge(n);
    store.delete(n.Id);
    networkEvent(engine, "destroy", n);
    return n;
  });
}

/**
 * Removes user networks no container uses; the host state's stale entries are
 * repaired on the way, and the default bridge's device goes too when nothing
 * is attached to it (unlike docker0: the next start on it makes it again).
 * ONLY narrows the networks considered (the API's label filters).
 */
export function pruneNetworks(engine: Engine, only: (n: NetworkRecord) => boolean = () => true): string[] {
  removeBridge(networkStore(engine).builtins()[0], { ifIdle: true });
  const removed: string[] = [];
  for (const n of networkStore(engine).userNetworks()) {
    if (!only(n) || networkUsers(engine, n).length > 0) continue;
    try {
      removeNetwork(engine, n.Id);
      removed.push(n.Name);
    } catch (e) {
      if (!(e instanceof BunkerError)) throw e; // in use by now
    }
  }
  return removed;
}

const isUserNetwork = (n: NetworkRecord) => n.Name !== "bridge";

/** `network connect`: recorded, and attached at once if the container runs. */
export function connectNetwork(engine: Engine, ref: string, container: string, o: { ip?: string; aliases: string[] }): void {
  const n = networkStore(engine).find(ref);
  if (n.Driver !== "bridge") throw new BunkerError(`container cannot be disconnected from host network or connected to host network`);
  const id = engine.containers.resolve(container);
  engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    const mode = r.HostConfig.NetworkMode;
    if (mode === "host" || mode === "none" || mode.startsWith("container:"))
      throw new BunkerError(`container ${r.Name.slice(1)} cannot be connected to a network: its network mode is ${mode}`);
    if (r.NetworkSettings?.Networks[n.Name]) throw new ForbiddenError(`endpoint with name ${r.Name.slice(1)} already exists in network ${n.Name}`);
    if ((o.ip || o.aliases.length > 0) && !isUserNetwork(n)) throw new BunkerError("network-scoped aliases and addresses are supported only on user defined networks");
    if (r.State.Running) {
      const fd = open(`/proc/${r.State.Pid}/ns/net`, O_RDONLY | O_CLOEXEC);
      try {
        const dnsNames = isUserNetwork(n) ? [r.Name.slice(1), id.slice(0, 12), ...o.aliases] : null;
        const ep = connectNamespace(fd, id, { name: n.Name, network: n, ipv4: o.ip, dnsNames });
        engine.containers.updateLiveNetwork(id, (live) => ({ SandboxKey: "", Ports: {}, ...live, Endpoints: { ...live?.Endpoints, [n.Name]: ep } }));
      } finally {
        close(fd);
      }
      networkEvent(engine, "connect", n, id); // a stopped container joins at its next start (runStarted)
    }
    engine.containers.updateNetworkSettings(id, (s) => {
      const settings = s ?? emptySettings({});
      settings.Networks[n.Name] = endpointSettings(n.Id, o.ip, o.aliases);
      return settings;
    });
  });
  refreshPeers(engine, [n.Id]);
}

/** `network disconnect`: its endpoint goes, and so does the network from its record. */
export function disconnectNetwork(engine: Engine, ref: string, container: string, force: boolean): void {
  const n = networkStore(engine).find(ref);
  const id = engine.containers.resolve(container);
  engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    if (!r.NetworkSettings?.Networks[n.Name]) {
      if (force) return;
      throw new BunkerError(`container ${r.Name.slice(1)} is not connected to network ${n.Name}`);
    }
    if (n.Driver !== "bridge") throw new BunkerError("container cannot be disconnected from host network or connected to host network");
    if (r.State.Running) {
      releaseContainer(id, { networkId: n.Id, deleteLinks: true });
      engine.containers.updateLiveNetwork(id, (live) => {
        const endpoints = { ...live?.Endpoints };
        delete endpoints[n.Name];
        return { SandboxKey: "", Ports: {}, ...live, Endpoints: endpoints };
      });
      networkEvent(engine, "disconnect", n, id);
    }
    engine.containers.updateNetworkSettings(id, (s) => {
      const settings = s ?? emptySettings({});
      delete settings.Networks[n.Name];
      return settings;
    });
  });
  refreshPeers(engine, [n.Id]);
}

/** A network as `network inspect` shows it: with the running containers on it. */
export function inspectNetwork(engine: Engine, n: NetworkRecord) {
  const containers: Record<string, object> = {};
  for (const c of networkUsers(engine, n)) {
    const ep = c.NetworkSettings?.Networks[n.Name];
    if (!c.State.Running || !ep?.IPAddress) continue;
    containers[c.Id] = { Name: c.Name.slice(1), EndpointID: ep.EndpointID, MacAddress: ep.MacAddress, IPv4Address: `${ep.IPAddress}/${ep.IPPrefixLen}`, IPv6Address: "" };
  }
  return { ...n, Containers: containers };
}
