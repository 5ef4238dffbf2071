// `compose config`: the project as bunker resolved it (interpolated, merged,
// profiles applied, defaults filled in), in YAML or JSON.
import type { Project } from "./load.ts";
import { keyValueMap } from "./merge.ts";
import { networkName, serviceNetworks, volumeName } from "./service-config.ts";
import type { ServiceSpec } from "./schema.ts";

function resolvedService(name: string, s: ServiceSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  if (s.environment) out.environment = keyValueMap(s.environment);
  if (s.labels) out.labels = keyValueMap(s.labels);
  if (!s.network_mode) out.networks = Object.fromEntries(serviceNetworks(name, s).map((n) => [n.key, null]));
  return out;
}

export function renderConfig(project: Project, services: string[], format: "yaml" | "json"): string {
  const names = services.length ? services : Object.keys(project.services);
  const svc = Object.fromEntries(names.filter((n) => project.services[n]).map((n) => [n, resolvedService(n, project.services[n])]));
  const usesDefault = Object.values(svc).some((s) => s.networks && "default" in (s.networks as object));
  const networks = Object.fromEntries(
    [...Object.keys(project.networks), ...(usesDefault && !("default" in project.networks) ? ["default"] : [])].map((k) => [
      k,
      { ...(project.networks[k] ?? {}), name: networkName(project, k) },
    ]),
  );
  const volumes = Object.fromEntries(Object.keys(project.volumes).map((k) => [k, { ...(project.volumes[k] ?? {}), name: volumeName(project, k) }]));
  const model: Record<string, unknown> = { name: project.name, services: svc };
  if (Object.keys(networks).length) model.networks = networks;
  if (Object.keys(volumes).length) model.volumes = volumes;
  return format === "json" ? `${JSON.stringify(model, null, 2)}\n` : Bun.YAML.stringify(model, null, 2).replace(/\n?$/, "\n");
}
