// bunker's nftables table (`ip bunker`), shared by every bunker state root
// on the host: masquerading for bridge subnets, published ports as map
// elements (so a container's ports come and go without touching rules),
// hairpin and loopback access to published ports, --internal networks,
// isolation between bridges (docker's DOCKER-ISOLATION chains), and the guard
// that keeps containers off the host's loopback.
// Rules match addresses rather than interfaces where they can: with
// br_netfilter loaded, bridged packets show the veth, not the bridge.
// Driven through the `nft` binary: one exec per change, none on a run
// without published ports.
import { BunkerError } from "../lib/errors.ts";

export const TABLE = "ip bunker";
/** Bumped whenever RULESET's sets or chains change: a host whose table is older gets it remade (host-state.ts). */
export const TABLE_VERSION = 2;

export interface PortRule {
  proto: "tcp" | "udp";
  /** "" for every host address. */
  hostIp: string;
  hostPort: number;
  address: string;
  port: number;
}

// `table {}` then `delete table` makes a fresh start atomic whether or not it existed.
const RULESET = `table ${TABLE} {}
delete table ${TABLE}
table ${TABLE} {
  set bridges { type ifname; }
  set internal { type ifname; }
  set same_bridge { type ifname . ifname; }
  set subnets { type ipv4_addr; flags interval; }
  set nat_subnets { type ipv4_addr; flags interval; }
  map ports { type inet_proto . inet_service : ipv4_addr . inet_service; }
  map ipports { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
  # route_localnet (see ensureBridge) would also let a container frame packets to the host's 127.0.0.1, or
  # from a forged 127.x source, through its gateway (CVE-2020-8558). No such packet is legitimate on a bridge.
  # At raw priority, before NAT: replies to loopback clients still show the gateway's address here. In
  # prerouting the input interface is the bridge, br_netfilter or not.
  chain localnet {
    type filter hook prerouting priority raw; policy accept;
    iifname @bridges ip daddr 127.0.0.0/8 drop
    iifname @bridges ip saddr 127.0.0.0/8 drop
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local dnat ip to meta l4proto . th dport map @ports
    dnat ip to ip daddr . meta l4proto . th dport map @ipports
  }
  chain output {
    type nat hook output priority -100; policy accept;
    fib daddr type local dnat ip to meta l4proto . th dport map @ports
    dnat ip to ip daddr . meta l4proto . th dport map @ipports
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr @nat_subnets ip daddr != @subnets masquerade
    ct status dnat ip saddr @subnets ip daddr @subnets masquerade
    ip saddr 127.0.0.0/8 oifname @bridges masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname @internal oifname != @internal drop
    oifname @internal iifname != @internal drop
    # A published port is open to every network; otherwise bridges do not route to each other.
    ct status dnat accept
    iifname @bridges oifname @bridges iifname . oifname != @same_bridge drop
  }
}
`;

/** Runs an nft script (one transaction: all of it or nothing). */
export function nft(script: string): void {
  if (!script) return;
  let r: ReturnType<typeof Bun.spawnSync>;
  try {
    r = Bun.spawnSync(["nft", "-f", "-"], { stdin: Buffer.from(script), stdout: "ignore", stderr: "pipe" });
  } catch {
    throw new BunkerError("bridge networking needs the nft command: install the nftables package (apt-get install nftables, dnf install nftables), or run with --network none or --network host");
  }
  if (r.exitCode !== 0) throw new BunkerError(`nftables refused bunker's rules: ${String(r.stderr ?? "").trim().split("\n")[0]}`);
}

export const tableScript = () => RULESET;
/** Removes the table; `table {}` first makes it idempotent (a table flushed by hand, an older bunker's). */
export const dropTableScript = () => `table ${TABLE} {}\ndelete table ${TABLE}\n`;

export function bridgeElements(op: "add" | "delete", bridge: string, subnet: string, internal: boolean): string {
  const lines = [`${op} element ${TABLE} bridges { ${bridge} }`, `${op} element ${TABLE} same_bridge { ${bridge} . ${bridge} }`, `${op} element ${TABLE} subnets { ${subnet} }`];
  lines.push(internal ? `${op} element ${TABLE} internal { ${bridge} }` : `${op} element ${TABLE} nat_subnets { ${subnet} }`);
  return `${lines.join("\n")}\n`;
}

export function portElements(op: "add" | "delete", rules: PortRule[]): string {
  return rules
    .map((r) => {
      const value = op === "add" ? ` : ${r.address} . ${r.port}` : "";
      return r.hostIp
        ? `${op} element ${TABLE} ipports { ${r.hostIp} . ${r.proto} . ${r.hostPort}${value} }\n`
        : `${op} element ${TABLE} ports { ${r.proto} . ${r.hostPort}${value} }\n`;
    })
    .join("");
}
