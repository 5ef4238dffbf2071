// A container's shapes, one serializer each, so that the CLI and the API can
// never disagree: inspect's (`inspect`, GET /containers/{id}/json) and the
// listing's (`ps`, GET /containers/json), with the listing itself.
import { emptySettings } from "../network/settings.ts";
import type { ContainerFilter } from "./container-filter.ts";
import { containerSizes } from "./container-size.ts";
import type { ContainerRecord, LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { logFileName } from "./json-log.ts";
import { rootfsLayers } from "./runtime-spec.ts";
import { humanDuration } from "../lib/human-duration.ts";
import { currentHealth, healthText } from "./health.ts";

// Docker's order of a container's inspect fields; ours that docker lacks come after.
const ORDER = ["Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Name", "RestartCount", "Driver", "Platform", "HostConfig", "GraphDriver", "SizeRw", "SizeRootFs", "Mounts", "Config", "NetworkSettings"];

// What dockerd's inspect shows in every HostConfig, at its zero values, for the keys bunker does not record (clients index them).
const HOST_CONFIG_DEFAULTS = {
  ContainerIDFile: "",
  VolumeDriver: "",
  VolumesFrom: null,
  ConsoleSize: [0, 0],
  CgroupnsMode: "host",
  Dns: [],
  DnsOptions: [],
  DnsSearch: [],
  ExtraHosts: null,
  GroupAdd: null,
  IpcMode: "private",
  Cgroup: "",
  Links: null,
  PidMode: "",
  UTSMode: "",
  UsernsMode: "",
  Runtime: "runc",
  Isolation: "",
  CgroupParent: "",
  BlkioWeight: 0,
  BlkioWeightDevice: [],
  BlkioDeviceReadBps: [],
  BlkioDeviceWriteBps: [],
  BlkioDeviceReadIOps: [],
  BlkioDeviceWriteIOps: [],
  CpuPeriod: 0,
  CpuQuota: 0,
  CpuRealtimePeriod: 0,
  CpuRealtimeRuntime: 0,
  DeviceCgroupRules: null,
  DeviceRequests: null,
  MemorySwappiness: null,
  OomKillDisable: null,
  CpuCount: 0,
  CpuPercent: 0,
  IOMaximumIOps: 0,
  IOMaximumBandwidth: 0,
};

/** Docker's inspect shape, in docker's order; bookkeeping fields of ours are left out; withSizes adds the sizes. */
export function containerInspect(engine: Engine, r: LoadedRecord, withSizes = false): ContainerRecord {
  const { PidStartTime: _, ...rest } = r;
  if (!r.State.Health) rest.State = { ...r.State, Health: currentHealth(r) };
  const dir = (...p: string[]) => engine.containers.path(r.Id, ...p);
  // Docker's GraphDriver: where the overlay's layers are.
  const GraphDriver = {
    Data: { LowerDir: rootfsLayers(engine, r).lowerdirs.join(":"), MergedDir: dir("merged"), UpperDir: dir("upper"), WorkDir: dir("work") },
    Name: r.Driver,
  };
  const all: Record<string, unknown> = {
    ...rest,
    HostConfig: { ...r.HostConfig, ...Object.fromEntries(Object.entries(HOST_CONFIG_DEFAULTS).filter(([k]) => !(k in r.HostConfig))) },
    ResolvConfPath: dir("resolv.conf"),
    HostnamePath: dir("hostname"),
    HostsPath: dir("hosts"),
    LogPath: dir(logFileName(r.Id)),
    // Records made before networking have no NetworkSettings; docker always shows them.
    NetworkSettings: r.NetworkSettings ?? emptySettings({}),
    GraphDriver,
    ...(withSizes ? containerSizes(engine, r) : {}),
  };
  const ordered = Object.fromEntries(ORDER.filter((k) => k in all).map((k) => [k, all[k]]));
  return Object.assign(ordered, all) as unknown as ContainerRecord; // keys already placed keep their place
}

export interface ListOptions {
  /** Stopped ones too (ps -a); a status= filter implies it, as docker's. */
  all?: boolean;
  /** The newest N of all containers, whatever their state (ps -n, the API's limit); negative: no limit. */
  last?: number;
  filter?: ContainerFilter;
}

/** The containers a listing shows, their finished runs recorded, newest first. */
export async function listContainers(engine: Engine, opts: ListOptions = {}): Promise<LoadedRecord[]> {
  const last = opts.last ?? -1;
  const all = opts.all === true || last >= 0 || opts.filter?.all === true;
  const records = engine.containers.list();
  // refreshState's module is all the start machinery (~2.5 ms to load): only a container that may have stopped needs it.
  const mayHaveStopped = records.some((c) => c.State.Status === "running" || c.State.Status === "paused");
  const { refreshState } = mayHaveStopped ? await import("./start-container.ts") : { refreshState: (_: Engine, c: LoadedRecord) => c };
  const containers = records
    .map((c) => refreshState(engine, c))
    .filter((c) => (all || c.State.Running) && (opts.filter?.accepts(c) ?? true)) // paused ones are running, as docker's
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
  return last >= 0 ? containers.slice(0, last) : containers;
}

/** dockerd's Status text: "Up 3 minutes (Paused)", "Exited (0) 2 seconds ago", "Created". */
export function containerStatus(c: ContainerRecord, now = Date.now()): string {
  const s = c.State;
  if (s.Status === "running" || s.Status === "paused") {
    // As docker: Paused first, then the health check's verdict.
    const health = currentHealth(c);
    const suffix = s.Paused ? " (Paused)" : health ? ` ${healthText(health)}` : "";
    return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${suffix}`;
  }
  if (s.Status === "exited") return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
  if (s.Status === "created") return "Created";
  return s.Status[0].toUpperCase() + s.Status.slice(1);
}

/** dockerd's Command: the path and arguments, an argument with a space single-quoted (the client truncates and quotes the whole). */
export function containerCommand(c: ContainerRecord): string {
  return [c.Path, ...c.Args.map((a) => (a.includes(" ") ? `'${a}'` : a))].join(" ");
}

/** The listing's Ports: one per published binding, and one without a public side per port only exposed. */
function summaryPorts(c: ContainerRecord) {
  return Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([key, bindings]) => {
    const [port, proto] = key.split("/");
    const base = { PrivatePort: Number(port), Type: proto ?? "tcp" };
    if (!bindings || bindings.length === 0) return [base];
    return bindings.map((b) => ({ ...(b.HostIp ? { IP: b.HostIp } : {}), ...base, PublicPort: Number(b.HostPort) }));
  });
}

/** GET /containers/json's item (moby's container.Summary); `size` adds SizeRw and SizeRootFs. */
export function containerSummary(engine: Engine, c: ContainerRecord, size = false, now = Date.now()) {
  return {
    Id: c.Id,
    Names: [c.Name],
    Image: c.Config.Image,
    ImageID: c.Image,
    Command: containerCommand(c),
    Created: Math.floor(Date.parse(c.Created) / 1000),
    Ports: summaryPorts(c),
    ...(size ? containerSizes(engine, c) : {}),
    Labels: c.Config.Labels ?? {},
    State: c.State.Status,
    Status: containerStatus(c, now),
    HostConfig: { NetworkMode: c.HostConfig.NetworkMode },
    NetworkSettings: { Networks: c.NetworkSettings?.Networks ?? {} },
    Mounts: c.Mounts.map((m) => ({ Type: m.Type, ...(m.Name ? { Name: m.Name } : {}), Source: m.Source, Destination: m.Destination, Driver: m.Driver ?? "", Mode: m.Mode, RW: m.RW, Propagation: m.Propagation })),
  };
}
