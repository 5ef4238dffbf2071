// The network side of a compose project, over the engine's user networks:
// made with compose's labels, external ones only checked, removed by `down`.
import { networkStore } from "../engine/container-network.ts";
import type { Engine } from "../engine/engine.ts";
import { connectNetwork, createNetwork, networkUsers, removeNetwork } from "../engine/networks.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Project } from "./load.ts";
import { keyValueMap } from "./merge.ts";
import { LABEL } from "./service-config.ts";

const exists = (engine: Engine, name: string) => networkStore(engine).list().some((n) => n.Name === name);

/** Makes the project's network `key` under `name` unless it exists; true if it was created. */
export function ensureProjectNetwork(engine: Engine, project: Project, key: string, name: string): boolean {
  const spec = project.networks[key];
  if (exists(engine, name)) return false;
  if (spec?.external) throw new BunkerError(`network ${name} declared as external, but could not be found`, 1);
  const ipam = spec?.ipam?.config?.[0];
  createNetwork(engine, {
    name,
    driver: spec?.driver,
    subnet: ipam?.subnet,
    gateway: ipam?.gateway,
    internal: spec?.internal === true || spec?.internal === "true",
    labels: {
      ...Object.fromEntries(Object.entries(keyValueMap(spec?.labels)).map(([k, v]) => [k, String(v ?? "")])),
      [LABEL.project]: project.name,
      [LABEL.network]: key,
    },
  });
  return true;
}

export function connectToNetwork(engine: Engine, id: string, network: string, aliases: string[]): void {
  connectNetwork(engine, network, id, { aliases });
}

/** The project's own networks (by label) that no container uses any more; returns their names. */
export function removeProjectNetworks(engine: Engine, project: Project): string[] {
  const removed: string[] = [];
  for (const n of networkStore(engine).userNetworks()) {
    if (n.Labels?.[LABEL.project] !== project.name || networkUsers(engine, n).length > 0) continue;
    removeNetwork(engine, n.Id);
    removed.push(n.Name);
  }
  return removed;
}
