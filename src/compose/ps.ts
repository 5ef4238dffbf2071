// Listing a project: `compose ps`, `images`, `ls`, and finding a service's container (exec, port).
import type { LoadedRecord } from "../engine/container-store.ts";
import type { Engine } from "../engine/engine.ts";
import { currentHealth, healthText } from "../engine/health.ts";
import { ago, humanDuration, humanSize, renderTable } from "../cli/format.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Project } from "./load.ts";
import { allProjects, isUp } from "./project-containers.ts";
import { selected } from "./stack.ts";

function status(r: LoadedRecord, now: number): string {
  const s = r.State;
  if (s.Status === "running" || s.Status === "paused") {
    const checked = currentHealth(r);
    const health = s.Paused ? " (Paused)" : checked ? ` ${healthText(checked)}` : "";
    return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${health}`;
  }
  if (s.Status === "exited") return `Exited (${s.ExitCode}) ${ago(s.FinishedAt, now)}`;
  return s.Status[0].toUpperCase() + s.Status.slice(1);
}

function ports(r: LoadedRecord): string {
  const bindings = (r as { NetworkSettings?: { Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> } }).NetworkSettings?.Ports ?? {};
  return Object.entries(bindings)
    .flatMap(([port, list]) => (list ?? []).map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort}->${port}`))
    .join(", ");
}

export function listContainers(engine: Engine, project: Project, services: string[], opts: { all: boolean; quiet: boolean; services: boolean; format?: string }): void {
  const containers = selected(engine, project, services, { oneoff: true }).filter((c) => opts.all || isUp(c));
  if (opts.services) {
    for (const s of new Set(containers.map((c) => c.service))) console.log(s);
    return;
  }
  if (opts.quiet) {
    for (const c of containers) console.log(c.record.Id);
    return;
  }
  const now = Date.now();
  const rows = containers.map((c) => ({
    Command: `"${[c.record.Path, ...c.record.Args].join(" ")}"`,
    CreatedAt: c.record.Created,
    ExitCode: c.record.State.ExitCode,
    Health: currentHealth(c.record)?.Status ?? "",
    ID: c.record.Id,
    Image: c.record.Config.Image,
    Labels: Object.entries(c.record.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(","),
    Name: c.record.Name.slice(1),
    Names: c.record.Name.slice(1),
    Ports: ports(c.record),
    Project: project.name,
    RunningFor: ago(c.record.Created, now),
    Service: c.service,
    State: c.record.State.Status,
    Status: status(c.record, now),
  }));
  if (opts.format === "json") {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  if (opts.format && opts.format !== "table") throw new BunkerError(`unsupported format "${opts.format}": use table or json`, 1);
  process.stdout.write(renderTable(["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"], rows.map((r) => [r.Name, r.Image, r.Command.length > 22 ? `${r.Command.slice(0, 20)}…"` : r.Command, r.Service, r.RunningFor, r.Status, r.Ports])));
}

/** The name of the service's container number `index` (exec, port). */
export function serviceContainer(engine: Engine, project: Project, service: string, index: number): string {
  if (!(service in project.allServices)) throw new BunkerError(`no such service: ${service}`, 1);
  const c = selected(engine, project, [service]).find((c) => c.number === index && isUp(c));
  if (!c) throw new BunkerError(`service "${service}" is not running`, 1);
  return c.record.Name.slice(1);
}

export function listImages(engine: Engine, project: Project, services: string[], quiet: boolean): void {
  const rows: string[][] = [];
  for (const c of selected(engine, project, services)) {
    const image = engine.images.list().find((i) => i.id === c.record.Image);
    if (quiet) {
      if (image) console.log(image.id);
      continue;
    }
    const [repo, tag] = (c.record.Config.Image.includes(":") ? c.record.Config.Image : `${c.record.Config.Image}:latest`).split(/:(?=[^:/]+$)/);
    rows.push([c.record.Name.slice(1), repo, tag, (image?.id ?? "").slice(7, 19), humanSize(image?.size ?? 0)]);
  }
  if (!quiet) process.stdout.write(renderTable(["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], rows));
}

export function listProjects(engine: Engine, opts: { all: boolean; quiet: boolean; format?: string }): void {
  const rows: { Name: string; Status: string; ConfigFiles: string }[] = [];
  for (const [name, records] of [...allProjects(engine)].sort(([a], [b]) => a.localeCompare(b))) {
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.State.Status, (counts.get(r.State.Status) ?? 0) + 1);
    if (!opts.all && !counts.get("running")) continue;
    const statusText = [...counts].map(([s, n]) => `${s}(${n})`).join(", ");
    rows.push({ Name: name, Status: statusText, ConfigFiles: records[0].Config.Labels["com.docker.compose.project.config_files"] ?? "" });
  }
  if (opts.quiet) for (const r of rows) console.log(r.Name);
  else if (opts.format === "json") console.log(JSON.stringify(rows));
  else process.stdout.write(renderTable(["NAME", "STATUS", "CONFIG FILES"], rows.map((r) => [r.Name, r.Status, r.ConfigFiles])));
}
