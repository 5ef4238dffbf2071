// NetworkSettings in docker's inspect shape: per network endpoints, the
// default bridge's copy at the top level, and the published ports.
import type { PortMap } from "./ports.ts";

export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string } | null;
  Links: string[] | null;
  Aliases: string[] | null;
  MacAddress: string;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DriverOpts: Record<string, string> | null;
  DNSNames: string[] | null;
}

export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  HairpinMode: boolean;
  Ports: PortMap;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  IPv6Gateway: string;
  Networks: Record<string, EndpointSettings>;
}

/** What a running container's endpoint adds to its stored one. */
export type LiveEndpoint = Pick<EndpointSettings, "EndpointID" | "Gateway" | "IPAddress" | "IPPrefixLen" | "MacAddress" | "DNSNames">;

export interface LiveNetwork {
  SandboxKey: string;
  Ports: PortMap;
  Endpoints: Record<string, LiveEndpoint>;
}

export function endpointSettings(networkId: string, ipv4: string | undefined, aliases: string[]): EndpointSettings {
  return {
    IPAMConfig: ipv4 ? { IPv4Address: ipv4 } : null,
    Links: null,
    Aliases: aliases.length > 0 ? aliases : null,
    MacAddress: "",
    NetworkID: networkId,
    EndpointID: "",
    Gateway: "",
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DriverOpts: null,
    DNSNames: null,
  };
}

export function emptySettings(networks: Record<string, EndpointSettings>): NetworkSettings {
  return {
    Bridge: "",
    SandboxID: "",
    SandboxKey: "",
    HairpinMode: false,
    Ports: {},
    EndpointID: "",
    Gateway: "",
    IPAddress: "",
    IPPrefixLen: 0,
    MacAddress: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPv6Gateway: "",
    Networks: networks,
  };
}

/** The stored settings with a running container's addresses and ports merged in; docker fills the top level from `bridge` only. */
export function withLive(stored: NetworkSettings | undefined, live: LiveNetwork | undefined): NetworkSettings | undefined {
  if (!stored || !live) return stored;
  const networks = Object.fromEntries(Object.entries(stored.Networks).map(([name, ep]) => [name, { ...ep, ...live.Endpoints[name] }]));
  const bridge = live.Endpoints.bridge;
  return {
    ...stored,
    SandboxKey: live.SandboxKey,
    Ports: live.Ports,
    ...(bridge ? { EndpointID: bridge.EndpointID, Gateway: bridge.Gateway, IPAddress: bridge.IPAddress, IPPrefixLen: bridge.IPPrefixLen, MacAddress: bridge.MacAddress } : {}),
    Networks: networks,
  };
}

/** Settings as stored for a container that is not running: its networks, without addresses or ports. */
export function withoutLive(s: NetworkSettings | undefined): NetworkSettings | undefined {
  if (!s) return s;
  const cleared = { EndpointID: "", Gateway: "", IPAddress: "", IPPrefixLen: 0, MacAddress: "" };
  return {
    ...s,
    ...cleared,
    SandboxKey: "",
    Ports: {},
    Networks: Object.fromEntries(Object.entries(s.Networks).map(([name, ep]) => [name, { ...ep, ...cleared, DNSNames: null }])),
  };
}
