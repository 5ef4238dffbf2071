// What compose does to a project's existing containers: stop, start,
// restart, kill, rm, down. Dependents are stopped before what they depend on,
// and started after it.
import { killContainer, stopContainer } from "../engine/container-exit.ts";
import type { Engine } from "../engine/engine.ts";
import { removeContainer } from "../engine/remove-container.ts";
import { startContainer } from "../engine/start-container.ts";
import { startOrder } from "./graph.ts";
import type { Project } from "./load.ts";
import { progress } from "./output.ts";
import { isUp, type ProjectContainer, projectContainers } from "./project-containers.ts";
import { removeNetworks, removeVolumes } from "./resources.ts";

/** The project's containers of `services` (all when empty), in start order (services unknown to the file last). */
export function selected(engine: Engine, project: Project, services: string[], opts: { oneoff?: boolean } = {}): ProjectContainer[] {
  const known = Object.keys(project.allServices);
  const order = startOrder(project.allServices, known.filter((s) => !services.length || services.includes(s)), true);
  const all = projectContainers(engine, project.name).filter((c) => (!services.length || services.includes(c.service)) && (opts.oneoff || !c.oneoff));
  const rank = (c: ProjectContainer) => (order.includes(c.service) ? order.indexOf(c.service) : order.length);
  return all.sort((a, b) => rank(a) - rank(b) || a.number - b.number);
}

const name = (c: ProjectContainer) => c.record.Name.slice(1);

export async function stopServices(engine: Engine, project: Project, services: string[], timeout?: number): Promise<void> {
  for (const c of selected(engine, project, services, { oneoff: true }).reverse()) {
    if (!isUp(c)) continue;
    progress("Container", name(c), "Stopping");
    await stopContainer(engine, c.record.Id, timeout);
    progress("Container", name(c), "Stopped");
  }
}

export async function startServices(engine: Engine, project: Project, services: string[]): Promise<void> {
  for (const c of selected(engine, project, services)) {
    if (isUp(c)) continue;
    await startContainer(engine, c.record.Id, { attach: false, interactive: false });
    progress("Container", name(c), "Started");
  }
}

export async function restartServices(engine: Engine, project: Project, services: string[], timeout?: number): Promise<void> {
  await stopServices(engine, project, services, timeout);
  await startServices(engine, project, services);
}

export function killServices(engine: Engine, project: Project, services: string[], signal: string): void {
  for (const c of selected(engine, project, services).reverse()) {
    if (!c.record.State.Running) continue;
    killContainer(engine, c.record.Id, signal);
    progress("Container", name(c), "Killed");
  }
}

/** `rm`: stopped containers only, unless stop is asked for first (-s). */
export async function removeServices(engine: Engine, project: Project, services: string[], opts: { stop: boolean; volumes: boolean }): Promise<void> {
  if (opts.stop) await stopServices(engine, project, services);
  for (const c of selected(engine, project, services, { oneoff: true })) {
    if (isUp(c)) continue;
    removeContainer(engine, c.record.Id, { force: false, volumes: opts.volumes });
    progress("Container", name(c), "Removed");
  }
}

export interface DownOptions {
  volumes: boolean;
  removeOrphans: boolean;
  timeout?: number;
  /** --rmi local|all */
  rmi?: "local" | "all";
}

export async function down(engine: Engine, project: Project, opts: DownOptions): Promise<void> {
  const containers = selected(engine, project, [], { oneoff: true }).filter((c) => opts.removeOrphans || c.service in project.allServices);
  for (const c of [...containers].reverse()) {
    if (isUp(c)) {
      progress("Container", name(c), "Stopping");
      await stopContainer(engine, c.record.Id, opts.timeout);
    }
    removeContainer(engine, c.record.Id, { force: true, volumes: true });
    progress("Container", name(c), "Removed");
  }
  await removeNetworks(engine, project);
  if (opts.volumes) removeVolumes(engine, project);
  if (opts.rmi) {
    const { removeProjectImages } = await import("./images.ts");
    removeProjectImages(engine, project, opts.rmi);
  }
}
