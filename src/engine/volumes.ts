// Volume use cases: create, rm, prune, and a container taking (and giving
// back) its volumes. Whatever checks "is this volume used?" and then acts
// holds the volumes lock, and so does a container being created with
// volumes, so `rm`/`prune` never delete a volume a new container is about to use.
import { contentSize } from "../lib/disk-usage.ts";
import { ConflictError, NotFoundError } from "../lib/errors.ts";
import type { ContainerRecord, MountPoint } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import type { Filters } from "../lib/filters.ts";
import { fillVolume } from "./volume-fill.ts";
import { pathDepth, type VolumeSpec } from "./volume-spec.ts";
import { randomVolumeName, type VolumeRecord } from "./volume-store.ts";

export interface CreateVolumeOptions {
  name?: string;
  /** Only "local" exists. */
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  anonymous?: boolean;
}

/** `volume create`: like docker, creating an existing name is no error and returns that volume. */
export function createVolume(engine: Engine, opts: CreateVolumeOptions): VolumeRecord {
  if (opts.driver && opts.driver !== "local") throw new NotFoundError(`plugin "${opts.driver}" not found`);
  const name = opts.name ?? randomVolumeName();
  return engine.volumes.tryCreate(name, opts) ?? engine.volumes.load(name);
}

/** A volume as `volume inspect` and the API show it: Anonymous is bunker's bookkeeping (docker shows its label instead). */
export function volumeInspect(v: VolumeRecord): Omit<VolumeRecord, "Anonymous"> {
  const { Anonymous: _, ...shown } = v;
  return shown;
}

/** The filter keys of `volume ls` and GET /volumes. */
export const VOLUME_FILTERS = ["name", "driver", "label", "dangling"] as const;

/** The volumes FILTERS keep: name (a regular expression), driver, label (KEY or KEY=VALUE), dangling (used by no container). */
export function listVolumes(engine: Engine, f: Filters): VolumeRecord[] {
  const dangling = f.bool("dangling");
  const users = dangling === undefined ? new Map<string, string[]>() : volumeUsers(engine);
  return engine.volumes
    .list()
    .filter((v) => f.match("name", v.Name) && f.match("driver", v.Driver) && f.labels(v.Labels) && (dangling === undefined || users.has(v.Name) !== dangling));
}

/** Volume name -> ids of the containers (any state) that mount it. */
export function volumeUsers(engine: Engine): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of engine.containers.list())
    for (const m of c.Mounts) if (m.Type === "volume" && m.Name) users.set(m.Name, [...(users.get(m.Name) ?? []), c.Id]);
  return users;
}

/** `volume rm`: refuses a volume any container uses; -f only silences "no such volume". */
export function removeVolume(engine: Engine, name: string, force: boolean): void {
  engine.volumes.withLock(() => {
    try {
      engine.volumes.load(name);
    } catch (e) {
      if (e instanceof NotFoundError) {
        if (force) return;
        throw new NotFoundError(`get ${name}: no such volume`);
      }
      throw e;
    }
    const users = volumeUsers(engine).get(name);
    if (users) throw new ConflictError(`remove ${name}: volume is in use - [${users.join(", ")}]`);
    engine.volumes.remove(name);
  });
}

/** `volume prune`: unused anonymous volumes, or with `all` every unused one (docker 23+'s rule); ONLY narrows them further (the API's label filters). */
export function pruneVolumes(engine: Engine, all: boolean, only: (v: VolumeRecord) => boolean = () => true): { names: string[]; reclaimed: number } {
  return engine.volumes.withLock(() => {
    const users = volumeUsers(engine);
    const names: string[] = [];
    let reclaimed = 0;
    for (const v of engine.volumes.list()) {
      if (users.has(v.Name) || !(all || v.Anonymous) || !only(v)) continue;
      reclaimed += contentSize(v.Mountpoint);
      engine.volumes.remove(v.Name);
      names.push(v.Name);
    }
    return { names, reclaimed };
  });
}

/** Where a container wants a volume: from `-v` (named or anonymous) or the image's VOLUME list. */
export type VolumeRequest = Extract<VolumeSpec, { kind: "volume" | "anonymous" }>;


/**
 * Creates the volumes a new container asks for (a missing named one, every
 * anonymous one), fills each empty one from the image (`layers`, top first)
 * unless `nocopy` (volume-fill.ts), and calls `create` with the container's mounts, all under
 * the volumes lock. If `create` throws, the anonymous volumes made for it go.
 */
export function withContainerVolumes(engine: Engine, binds: MountPoint[], requests: VolumeRequest[], layers: string[], create: (mounts: MountPoint[]) => void): void {
  // Parents before children, as docker sorts them, so /a/b is mounted on top of /a.
  const sorted = (mounts: MountPoint[]) => mounts.sort((a, b) => pathDepth(a.Destination) - pathDepth(b.Destination));
  if (requests.length === 0) return create(sorted(binds));
  engine.volumes.withLock(() => {
    const made: string[] = [];
    try {
      const mounts = requests.map((r): MountPoint => {
        const name = r.kind === "volume" ? r.name : randomVolumeName();
        const fresh = engine.volumes.tryCreate(name, { anonymous: r.kind === "anonymous", labels: r.labels, options: r.options });
        if (fresh?.Anonymous) made.push(name);
        const volume = fresh ?? engine.volumes.load(name);
        fillVolume(engine.volumes, volume, () => volumeUsers(engine).get(name), r.nocopy ? null : { layers, destination: r.destination });
        return { Type: "volume", Name: name, Source: volume.Mountpoint, Destination: r.destination, Driver: "local", Mode: r.mode, RW: r.rw, Propagation: "" };
      });
      create(sorted([...binds, ...mounts]));
    } catch (e) {
      for (const name of made) engine.volumes.remove(name);
      throw e;
    }
  });
}

/** `rm -v` and `run --rm`: the container's anonymous volumes go with it, unless another container still uses one. Named ones stay. */
export function removeAnonymousVolumes(engine: Engine, container: ContainerRecord): void {
  const names = container.Mounts.filter((m) => m.Type === "volume" && m.Name).map((m) => m.Name!);
  if (names.length === 0) return;
  engine.volumes.withLock(() => {
    const users = volumeUsers(engine);
    for (const name of names) {
      let volume: VolumeRecord;
      try {
        volume = engine.volumes.load(name);
      } catch (e) {
        if (e instanceof NotFoundError) continue;
        throw e;
      }
      if (volume.Anonymous && !users.has(name)) engine.volumes.remove(name);
    }
  });
}
