// The order services start in: every service after what it depends on
// (depends_on, network_mode: service:X, volumes_from), a cycle being an error.
import { BunkerError } from "../lib/errors.ts";
import type { ServiceSpec } from "./schema.ts";

export type Condition = "service_started" | "service_healthy" | "service_completed_successfully";

export interface Dependency {
  service: string;
  condition: Condition;
  required: boolean;
}

export function dependencies(s: ServiceSpec): Dependency[] {
  const deps: Dependency[] = [];
  if (Array.isArray(s.depends_on)) for (const d of s.depends_on) deps.push({ service: d, condition: "service_started", required: true });
  else for (const [d, c] of Object.entries(s.depends_on ?? {})) deps.push({ service: d, condition: c.condition ?? "service_started", required: c.required !== false && c.required !== "false" });
  for (const link of s.links ?? []) deps.push({ service: link.split(":")[0], condition: "service_started", required: true });
  if (s.network_mode?.startsWith("service:")) deps.push({ service: s.network_mode.slice(8), condition: "service_started", required: true });
  for (const v of s.volumes_from ?? []) if (!v.startsWith("container:")) deps.push({ service: v.split(":")[0], condition: "service_started", required: true });
  return deps;
}

/** `wanted` and (unless noDeps) what they depend on, dependencies first. */
export function startOrder(services: Record<string, ServiceSpec>, wanted: string[], noDeps = false): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new BunkerError(`dependency cycle detected: ${[...path.slice(path.indexOf(name)), name].join(" -> ")}`, 1);
    const s = services[name];
    if (!s) throw new BunkerError(`no such service: ${name}`, 1);
    state.set(name, "visiting");
    if (!noDeps) {
      for (const d of dependencies(s)) {
        if (!services[d.service] && !d.required) continue;
        if (!services[d.service]) throw new BunkerError(`service "${name}" depends on undefined service "${d.service}": invalid compose project`, 1);
        visit(d.service, [...path, name]);
      }
    }
    state.set(name, "done");
    order.push(name);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

/** Checks the whole graph for cycles and unknown services, as loading a project does. */
export function checkGraph(services: Record<string, ServiceSpec>): void {
  startOrder(services, Object.keys(services));
}
