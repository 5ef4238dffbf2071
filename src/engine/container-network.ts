// A container's networking, from the create body to a running namespace: which networks
// it joins (create), its namespace, addresses and ports (start), and their
// release (exit, rm).
import { writeFileSync } from "node:fs";
import { close } from "../../ffi/native.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { attachContainer, type NetworkRequest, releaseContainer } from "../network/attach.ts";
import { parseAddress, parseMac } from "../network/ipv4.ts";
import { BUILTIN_NAMES, NetworkStore, type NetworkRecord } from "../network/networks.ts";
import { parseExpose } from "../network/ports.ts";
import { emptySettings, endpointSettings, type LiveNetwork, type NetworkSettings } from "../network/settings.ts";
import { linkHosts } from "./container-links.ts";
import type { ContainerCreateBody, EndpointSettings, PortBinding, PortMap } from "./container-create.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { writeDnsNames } from "./dns-names.ts";
import { type EtcExtras, hostsText } from "./etc-files.ts";

/** The endpoint a create body asks for on the network it names (the docker CLI keys it by --network's value). */
function endpointOf(body: ContainerCreateBody): EndpointSettings | undefined {
  const endpoints = body.NetworkingConfig?.EndpointsConfig ?? {};
  const mode = body.HostConfig?.NetworkMode ?? "";
  const entries = Object.values(endpoints);
  return endpoints[mode] ?? endpoints[networkModeName(mode)] ?? (entries.length === 1 ? entries[0] : undefined) ?? undefined;
}

/** "default" (or nothing) is the bridge network. */
const networkModeName = (mode: string | null | undefined) => (!mode || mode === "default" ? "bridge" : mode);

/** Checks the network part of a create body without the store, so bad values fail before any pull. */
export function checkNetworkConfig(body: ContainerCreateBody): void {
  const hc = body.HostConfig ?? {};
  for (const [key, bindings] of Object.entries(hc.PortBindings ?? {})) {
    parseExpose(key, {});
    for (const b of bindings ?? []) checkPortBinding(key, b);
  }
  for (const key of Object.keys(body.ExposedPorts ?? {})) parseExpose(key, {});
  const ep = endpointOf(body);
  const ip = ep?.IPAMConfig?.IPv4Address;
  if (ip && parseAddress(ip) === null) throw new BunkerError(`invalid IPv4 address: ${ip}`);
  const mac = body.MacAddress || ep?.MacAddress;
  if (mac) parseMac(mac);
  for (const d of hc.Dns ?? []) if (parseAddress(d) === null) throw new BunkerError(`invalid --dns ${d}: give an IPv4 address`);
  for (const h of hc.ExtraHosts ?? []) parseAddHost(h);
  // Each becomes part of a line of resolv.conf or /etc/hosts: a line break would add lines of its own.
  for (const d of hc.DnsSearch ?? []) if (!isDomain(d)) throw new BunkerError(`invalid argument ${JSON.stringify(d)} for "--dns-search" flag: ${JSON.stringify(d)} is not a valid domain`);
  for (const o of hc.DnsOptions ?? []) if (!/^\S+$/.test(o)) throw new BunkerError(`invalid argument ${JSON.stringify(o)} for "--dns-option" flag: an option is one word, such as ndots:2`);
  for (const a of ep?.Aliases ?? []) if (!/^\S+$/.test(a)) throw new BunkerError(`invalid argument ${JSON.stringify(a)} for "--network-alias" flag: an alias is one word`);
}

/** A PortBindings entry: HostIp empty or IPv4, HostPort empty, a port or a range. */
function checkPortBinding(key: string, b: PortBinding): void {
  if (b.HostIp && parseAddress(b.HostIp) === null) throw new BunkerError(`invalid IP address in port binding of ${key}: ${b.HostIp}`);
  const m = /^(\d+)(?:-(\d+))?$/.exec(b.HostPort);
  if (b.HostPort !== "" && (!m || Number(m[1]) < 1 || Number(m[2] ?? m[1]) > 65535 || Number(m[2] ?? m[1]) < Number(m[1])))
    throw new BunkerError(`invalid hostPort: ${b.HostPort}`);
}

/** docker's --dns-search rule (opts.ValidateDNSSearch): dot-separated labels, or "." for none. */
const isDomain = (d: string) => d === "." || /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?\.?$/.test(d);

/** --add-host NAME:IP (docker also takes NAME=IP); "host-gateway" is the bridge's gateway. */
export function parseAddHost(spec: string): [string, string] {
  const i = spec.includes("=") ? spec.indexOf("=") : spec.indexOf(":");
  const [name, ip] = i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
  if (!/^[^\s:]+$/.test(name) || (ip !== "host-gateway" && parseAddress(ip) === null))
    throw new BunkerError(`invalid argument ${JSON.stringify(spec)} for "--add-host" flag: give NAME:IPv4`);
  return [name, ip];
}

export interface NetworkFields {
  NetworkMode: string;
  PortBindings: PortMap;
  PublishAllPorts: boolean;
  Dns: string[];
  DnsSearch: string[];
  DnsOptions: string[];
  ExtraHosts: string[] | null;
  ExposedPorts: Record<string, object> | undefined;
  MacAddress: string | undefined;
  NetworkSettings: NetworkSettings;
  /** --network container:X: X's host name, which the container takes. */
  Hostname?: string;
}

/** What `create` records of the body's network part: docker's HostConfig, Config and NetworkSettings fields. */
export function networkFields(engine: Engine, body: ContainerCreateBody, imageExposed: Record<string, object> | null | undefined): NetworkFields {
  const hc = body.HostConfig ?? {};
  const mode = networkModeName(hc.NetworkMode);
  const ep = endpointOf(body);
  const ip = ep?.IPAMConfig?.IPv4Address || undefined;
  const aliases = ep?.Aliases ?? [];
  const bindings: PortMap = structuredClone(hc.PortBindings ?? {});
  const exposed: Record<string, object> = { ...imageExposed, ...body.ExposedPorts };
  for (const key of Object.keys(bindings)) exposed[key] = {};
  if (hc.PublishAllPorts) for (const key of Object.keys(exposed)) bindings[key] ??= [{ HostIp: "", HostPort: "" }];
  const networks: NetworkSettings["Networks"] = {};
  let hostname: string | undefined;
  if (mode.startsWith("container:")) {
    if (Object.keys(bindings).length > 0) throw new BunkerError("conflicting options: port publishing and the container type network mode");
    hostname = engine.containers.load(engine.containers.resolve(mode.slice("container:".length))).Config.Hostname; // must exist now, as docker checks
  } else {
    const n = networkStore(engine).find(mode);
    if (n.Driver === "host" && Object.keys(bindings).length > 0) {
      // As docker: the container already listens on the host's ports.
      process.stderr.write("WARNING: Published ports are discarded when using host network mode\n");
      for (const key of Object.keys(bindings)) delete bindings[key];
    }
    if ((ip || aliases.length > 0) && (n.Driver !== "bridge" || n.Name === "bridge"))
      throw new BunkerError(ip ? "user specified IP address is supported only when connecting to networks with user configured subnets" : "network-scoped alias is supported only for containers in user defined networks");
    networks[n.Name] = endpointSettings(n.Id, ip, aliases);
  }
  return {
    NetworkMode: mode,
    PortBindings: bindings,
    PublishAllPorts: hc.PublishAllPorts ?? false,
    Dns: hc.Dns ?? [],
    DnsSearch: hc.DnsSearch ?? [],
    DnsOptions: hc.DnsOptions ?? [],
    ExtraHosts: hc.ExtraHosts?.length ? hc.ExtraHosts : null,
    ExposedPorts: Object.keys(exposed).length > 0 ? exposed : undefined,
    MacAddress: body.MacAddress || ep?.MacAddress || undefined,
    NetworkSettings: emptySettings(networks),
    ...(hostname !== undefined ? { Hostname: hostname } : {}),
  };
}

export const networkStore = (engine: Engine) => new NetworkStore(engine.dirs.root);

/** The bridge networks the container is on, in the order it joined them. */
function bridgeNetworks(engine: Engine, r: ContainerRecord): { name: string; network: NetworkRecord; ipv4?: string; aliases: string[] }[] {
  const out = [];
  const store = networkStore(engine);
  for (const [name, ep] of Object.entries(r.NetworkSettings?.Networks ?? {})) {
    if (name === "host" || name === "none") continue;
    let network: NetworkRecord;
    try {
      network = store.find(ep.NetworkID || name);
    } catch (e) {
      if (e instanceof NotFoundError) throw new BunkerError(`network ${name} not found: connect the container to another network or remove it`);
      throw e;
    }
    if (network.Driver === "bridge") out.push({ name, network, ipv4: ep.IPAMConfig?.IPv4Address, aliases: ep.Aliases ?? [] });
  }
  return out;
}

/** Whether the container needs its own bridge endpoints (and so a release at exit). */
export const usesBridge = (r: ContainerRecord) => Object.keys(r.NetworkSettings?.Networks ?? {}).some((n) => n !== "host" && n !== "none");

export interface PreparedNetwork {
  /** The network namespace to join (spec path): a prepared one, another container's, or none (own namespace, or the host's). */
  path?: string;
  /** container:X: X's directory, whose hosts and resolv.conf the container shares, as docker does. */
  etcOf?: string;
  live?: LiveNetwork;
  /** Closes the prepared namespace's fd once the container has joined it. */
  done(): void;
}

const nothing = () => {};

/** The network namespace a starting container joins, with its bridge endpoints attached. */
export function prepareNetwork(engine: Engine, r: ContainerRecord): PreparedNetwork {
  const mode = r.HostConfig.NetworkMode;
  if (mode.startsWith("container:")) {
    const other = engine.containers.load(engine.containers.resolve(mode.slice("container:".length)));
    if (!other.State.Running) throw new BunkerError(`cannot join network namespace of a non running container: ${other.Name.slice(1)}`);
    return { path: `/proc/${other.State.Pid}/ns/net`, etcOf: engine.containers.path(other.Id), done: nothing };
  }
  if (!usesBridge(r)) return { done: nothing };
  const requests: NetworkRequest[] = bridgeNetworks(engine, r).map((n, i) => ({
    name: n.name,
    network: n.network,
    ipv4: n.ipv4,
    mac: i === 0 ? r.Config.MacAddress || undefined : undefined,
    dnsNames: n.network.Name === "bridge" ? null : [r.Name.slice(1), r.Id.slice(0, 12), ...n.aliases],
  }));
  const exposed = Object.keys(r.Config.ExposedPorts ?? {});
  const { netns, live } = attachContainer({ containerId: r.Id, networks: requests, portBindings: r.HostConfig.PortBindings ?? {}, exposed });
  return { path: `/proc/${process.pid}/fd/${netns}`, live, done: () => close(netns) };
}

/** Releases what a stopped or removed container held on its networks (see releaseContainer for deleteLinks). */
export function releaseNetwork(r: ContainerRecord, opts: { deleteLinks?: boolean } = {}): void {
  if (usesBridge(r)) releaseContainer(r.Id, { deleteLinks: opts.deleteLinks ?? true });
}

/** The /etc/hosts and resolv.conf additions of a container (its NetworkSettings with its live addresses); LINKED: its --link lines. */
export function etcExtras(r: ContainerRecord, linked: string[] = []): EtcExtras {
  const first = Object.values(r.NetworkSettings?.Networks ?? {}).find((e) => e.IPAddress);
  const hosts: string[] = [];
  if (first) hosts.push(`${first.IPAddress}\t${r.Config.Hostname}`);
  for (const h of r.HostConfig.ExtraHosts ?? []) {
    const [name, ip] = parseAddHost(h);
    hosts.push(`${ip === "host-gateway" ? (first?.Gateway ?? "127.0.0.1") : ip}\t${name}`);
  }
  return { hosts: [...hosts, ...linked], dns: r.HostConfig.Dns ?? undefined, dnsSearch: r.HostConfig.DnsSearch ?? undefined, dnsOptions: r.HostConfig.DnsOptions ?? undefined, resolver: onUserNetwork(r) };
}

export const userNetworkIds = (r: ContainerRecord) =>
  Object.entries(r.NetworkSettings?.Networks ?? {})
    .filter(([name]) => !BUILTIN_NAMES.has(name))
    .map(([, e]) => e.NetworkID);

const onUserNetwork = (r: ContainerRecord) => userNetworkIds(r).length > 0;

/**
 * After a container joined or left user networks NETWORKIDS: the names file
 * the embedded resolvers answer from is rewritten, and so are the /etc/hosts
 * of the running containers there that have --link lines (a linked
 * container's address changes when it restarts). In place: each is a
 * bind-mounted file.
 */
export function refreshPeers(engine: Engine, networkIds: string[]): void {
  if (networkIds.length === 0) return;
  const running = writeDnsNames(engine.dirs.runRoot, () => engine.containers.list().filter((c) => c.State.Running));
  for (const c of running) {
    if (!c.HostConfig.Links?.length || !userNetworkIds(c).some((id) => networkIds.includes(id))) continue;
    try {
      writeFileSync(engine.containers.path(c.Id, "hosts"), hostsText(c.HostConfig.NetworkMode, etcExtras(c, linkHosts(c, running))));
    } catch {
      // removed meanwhile
    }
  }
}
