// A project's networks and volumes: made (with compose's labels) before its
// containers, external ones only checked, and removed by `down`.
import type { Engine } from "../engine/engine.ts";
import { createVolume, removeVolume } from "../engine/volumes.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import type { Project } from "./load.ts";
import { progress } from "./output.ts";
import { LABEL, networkName, serviceNetworks, volumeName } from "./service-config.ts";

/** The top-level volume keys the services use (named volumes in short or long syntax). */
function usedVolumeKeys(project: Project, services: string[]): string[] {
  const keys = new Set<string>();
  for (const name of services) {
    for (const v of project.services[name].volumes ?? []) {
      const source = typeof v === "string" ? (v.includes(":") ? v.split(":")[0] : "") : v.type === "volume" ? (v.source ?? "") : "";
      if (source && source in project.volumes) keys.add(source);
      else if (source && !/^[./~]/.test(source)) throw new BunkerError(`service "${name}" refers to undefined volume ${source}: invalid compose project`, 1);
    }
  }
  return [...keys];
}

export function ensureVolumes(engine: Engine, project: Project, services: string[]): void {
  for (const key of usedVolumeKeys(project, services)) {
    const spec = project.volumes[key];
    const name = volumeName(project, key);
    if (spec?.external) {
      try {
        engine.volumes.load(name);
      } catch (e) {
        if (e instanceof NotFoundError) throw new BunkerError(`external volume "${name}" not found`, 1);
        throw e;
      }
      continue;
    }
    const existed = engine.volumes.list().some((v) => v.Name === name);
    createVolume(engine, { name, labels: { [LABEL.project]: project.name, [LABEL.volume]: key } });
    if (!existed) progress("Volume", name, "Created");
  }
}

/** `down -v`: the project's own named volumes (never external ones). */
export function removeVolumes(engine: Engine, project: Project): void {
  for (const key of Object.keys(project.volumes)) {
    if (project.volumes[key]?.external) continue;
    const name = volumeName(project, key);
    if (!engine.volumes.list().some((v) => v.Name === name)) continue;
    removeVolume(engine, name, true);
    progress("Volume", name, "Removed");
  }
}

/** The network keys the services use. */
export function usedNetworkKeys(project: Project, services: string[]): string[] {
  const keys = new Set<string>();
  for (const name of services) {
    for (const n of serviceNetworks(name, project.services[name])) {
      if (n.key !== "default" && !(n.key in project.networks)) throw new BunkerError(`service "${name}" refers to undefined network ${n.key}: invalid compose project`, 1);
      keys.add(n.key);
    }
  }
  return [...keys];
}

export async function ensureNetworks(engine: Engine, project: Project, services: string[]): Promise<void> {
  const keys = usedNetworkKeys(project, services);
  if (!keys.length) return;
  const { ensureProjectNetwork } = await import("./networks.ts");
  for (const key of keys) {
    const created = ensureProjectNetwork(engine, project, key, networkName(project, key));
    if (created) progress("Network", networkName(project, key), "Created");
  }
}

export async function connectNetwork(engine: Engine, id: string, network: string, aliases: string[]): Promise<void> {
  const { connectToNetwork } = await import("./networks.ts");
  connectToNetwork(engine, id, network, aliases);
}

/** `down`: the project's own networks that no container uses any more. */
export async function removeNetworks(engine: Engine, project: Project): Promise<void> {
  const { removeProjectNetworks } = await import("./networks.ts");
  for (const name of removeProjectNetworks(engine, project)) progress("Network", name, "Removed");
}
