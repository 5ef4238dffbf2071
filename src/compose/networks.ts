// The network side of a compose project, over the engine's networks.
import type { Engine } from "../engine/engine.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Project } from "./load.ts";

/** Makes the project's network `key` under `name` unless it exists; true if it was created. */
export function ensureProjectNetwork(_engine: Engine, _project: Project, key: string, name: string): boolean {
  throw new BunkerError(`network ${name} (${key}): this bunker has no bridge networks yet; give the services network_mode: none or host`, 1);
}

export function connectToNetwork(_engine: Engine, _id: string, network: string, _aliases: string[]): void {
  throw new BunkerError(`cannot connect to network ${network}: this bunker has no bridge networks yet`, 1);
}

export function removeProjectNetworks(_engine: Engine, _project: Project): string[] {
  return [];
}
