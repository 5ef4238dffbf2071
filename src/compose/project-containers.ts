// A project's containers, found by the labels compose puts on them.
import type { LoadedRecord } from "../engine/container-store.ts";
import type { Engine } from "../engine/engine.ts";
import { refreshState } from "../engine/start-container.ts";
import { LABEL } from "./service-config.ts";

export interface ProjectContainer {
  record: LoadedRecord;
  service: string;
  number: number;
  oneoff: boolean;
}

export function projectContainers(engine: Engine, project: string): ProjectContainer[] {
  return engine.containers
    .list()
    .filter((r) => r.Config.Labels?.[LABEL.project] === project)
    .map((r) => refreshState(engine, r))
    .map((record) => ({
      record,
      service: record.Config.Labels[LABEL.service] ?? "",
      number: Number(record.Config.Labels[LABEL.number] ?? 0),
      oneoff: record.Config.Labels[LABEL.oneoff] === "True",
    }))
    .sort((a, b) => a.service.localeCompare(b.service) || a.number - b.number);
}

export const isUp = (c: ProjectContainer) => c.record.State.Running || c.record.State.Status === "restarting";

/** Every project that has containers here, with their states (`compose ls`). */
export function allProjects(engine: Engine): Map<string, LoadedRecord[]> {
  const out = new Map<string, LoadedRecord[]>();
  for (const r of engine.containers.list()) {
    const p = r.Config.Labels?.[LABEL.project];
    if (!p) continue;
    out.set(p, [...(out.get(p) ?? []), refreshState(engine, r)]);
  }
  return out;
}
