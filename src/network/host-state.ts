// What bunker holds of the host's network, shared by every state root:
// bridges registered in nftables, and endpoints (a container's address on a
// bridge, its host-side veth and its published ports). Kept on tmpfs: it only
// describes live network namespaces, which a reboot ends.
//
// An endpoint is stale once its veth is gone (the kernel deletes it with the
// container's network namespace) and the CLI that made it is gone too (it may
// still be setting it up). Every change first drops stale endpoints and their
// ports, so a crash is repaired by the next operation.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deleteLink } from "../../ffi/native.ts";
import { writeJsonAtomic } from "../lib/atomic.ts";
import { withLock } from "../lib/lock.ts";
import { isProcessAlive, processStartTime } from "../lib/process.ts";
import { BunkerError } from "../lib/errors.ts";
import { bridgeElements, dropTableScript, nft, type PortRule, portElements, TABLE_VERSION, tableScript } from "./nft.ts";

export const HOST_NET_DIR = process.env.BUNKER_NET_DIR || "/run/bunker/net";
const STATE = join(HOST_NET_DIR, "state.json");
const LOCK = join(HOST_NET_DIR, "state.lock");

export interface Endpoint {
  container: string;
  /** The network's id. */
  network: string;
  bridge: string;
  veth: string;
  address: string;
  ports: PortRule[];
  /** The CLI that made it, while it sets it up. */
  owner: number;
  ownerStart: number | null;
}

export interface HostNetState {
  /** The version (nft.ts's TABLE_VERSION) of the nftables table an earlier call made; 0 or false: none. */
  table: number | boolean;
  /** Bridges whose subnet is registered with nftables; a user network's names its definition file. */
  bridges: Record<string, { subnet: string; internal: boolean; definition?: string }>;
  endpoints: Endpoint[];
  /** The address each bridge handed out last (attach.ts allocates round robin). */
  lastAddress?: Record<string, number>;
}

function read(): HostNetState {
  try {
    return JSON.parse(readFileSync(STATE, "utf8"));
  } catch {
    return { table: 0, bridges: {}, endpoints: [] };
  }
}

/** Whether the host has network interface NAME (sysfs shows the host's namespace, and needs no kernel lock). */
export const linkExists = (name: string) => existsSync(`/sys/class/net/${name}`);

export const isStale = (e: Endpoint) => !linkExists(e.veth) && !isProcessAlive(e.owner, e.ownerStart);

export const ownerMark = () => ({ owner: process.pid, ownerStart: processStartTime(process.pid) });

/** Drops endpoints from STATE (and their veths, unless told not to); returns the nft script that removes their ports. */
export function dropEndpoints(state: HostNetState, drop: (e: Endpoint) => boolean, deleteLinks = true): string {
  const gone = state.endpoints.filter(drop);
  if (gone.length === 0) return "";
  state.endpoints = state.endpoints.filter((e) => !gone.includes(e));
  if (deleteLinks) for (const e of gone) if (linkExists(e.veth)) deleteLink(e.veth);
  return portElements("delete", gone.flatMap((e) => e.ports));
}

/**
 * Runs FN on the host state under its lock, after repairing stale entries.
 * FN returns nft commands to apply with it; the state is saved only once
 * they are applied.
 */
export function withHostNetwork<T>(fn: (state: HostNetState) => { value: T; nft?: string }): T {
  return withLock(LOCK, () => {
    const state = read();
    const before = JSON.stringify(state);
    const hadTable = state.table === TABLE_VERSION;
    let script = dropEndpoints(state, isStale);
    script += dropOrphanBridges(state);
    const { value, nft: more } = fn(state);
    script += more ?? "";
    if (!hadTable) {
      // None yet, or an older bunker's (without the loopback guard, say): made whole from the state as FN
      // left it. A host with no bridge needs none, so an idle host (a failed start's cleanup, say) runs no nft.
      const idle = Object.keys(state.bridges).length === 0 && state.endpoints.length === 0;
      script = idle ? (state.table ? dropTableScript() : "") : renderAll(state);
      state.table = idle ? 0 : TABLE_VERSION;
    }
    try {
      nft(script);
    } catch (e) {
      // The table differs from what the state says (flushed by hand, say): rebuild it whole from the state.
      if (!(e instanceof BunkerError)) throw e;
      nft(renderAll(state));
    }
    if (JSON.stringify(state) !== before) writeJsonAtomic(STATE, state, { durable: false });
    return value;
  });
}

/** The whole table as STATE describes it. */
function renderAll(state: HostNetState): string {
  const bridges = Object.entries(state.bridges).map(([name, b]) => bridgeElements("add", name, b.subnet, b.internal));
  return tableScript() + bridges.join("") + portElements("add", state.endpoints.flatMap((e) => e.ports));
}

/** Bridges of user networks whose definition is gone (its state root was deleted without `network rm`). */
function dropOrphanBridges(state: HostNetState): string {
  let script = "";
  for (const [name, b] of Object.entries(state.bridges)) {
    if (!b.definition || existsSync(b.definition) || state.endpoints.some((e) => e.bridge === name)) continue;
    delete state.bridges[name];
    delete state.lastAddress?.[name];
    if (linkExists(name)) deleteLink(name);
    script += bridgeElements("delete", name, b.subnet, b.internal);
  }
  return script;
}
