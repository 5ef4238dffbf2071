// `create` (and the first half of `run`): a ContainerCreate body (container-create.ts) -> a container record on disk.
import { existsSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute, normalize } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import { isOneLine, refuseNul } from "../lib/untrusted-text.ts";
import { canonical, familiarName, parseReference } from "../image/reference.ts";
import { type ContainerCreateBody, type ContainerCreateInput, type HealthConfig, type HostConfig, type LogConfig, type MountConfig, parseCreateBody, type RestartPolicy } from "./container-create.ts";
import { checkNetworkConfig, networkFields } from "./container-network.ts";
import type { ContainerRecord, MountPoint } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { mergeEnv } from "./env.ts";
import { checkHealthcheck, mergeHealthcheck } from "./health.ts";
import { checkLogConfig } from "./log-config.ts";
import { linksField } from "./container-links.ts";
import { isValidName, randomName } from "./names.ts";
import { type ResourceConfig, resourceHostConfig } from "./resources.ts";
import { checkRestartPolicy } from "./restart-policy.ts";
import { checkSecurity, type SecurityConfig } from "./security.ts";
import { signalNumber } from "./signals.ts";
import { checkUserns, chownForUserns, type UsernsConfig } from "./userns.ts";
import { initialState } from "./state.ts";
import { initLayer } from "./init-layer.ts";
import { removeContainer } from "./remove-container.ts";
import { storageDriver } from "./storage-driver.ts";
import { copyImageTree } from "./volume-copy.ts";
import { checkMount, mountVolumeSpec } from "./mount-spec.ts";
import { cleanPath, parseVolumeSpec, type VolumeSpec } from "./volume-spec.ts";
import { withContainerVolumes } from "./volumes.ts";

/** What the API passes beside the body: the query's name and platform, and the build's own setting. */
export interface CreateOptions {
  name?: string;
  platform?: string;
  /** A build step's container: the image's VOLUMEs get no volumes (docker's builder writes through them). */
  ignoreImageVolumes?: boolean;
}

/** The body's fields that create keeps as it checked them (the rest are read from the parsed body). */
export interface CheckedCreate {
  body: ContainerCreateBody;
  hostConfig: HostConfig;
  resources: ResourceConfig;
  security: SecurityConfig;
  userns: UsernsConfig;
  restartPolicy: RestartPolicy;
  logConfig: LogConfig;
  healthcheck: HealthConfig | undefined;
  mounts: MountConfig[];
  tmpfs: Record<string, string>;
  binds: VolumeSpec[];
}

/**
 * The ContainerCreate body checked as dockerd checks it, with docker's
 * messages; everything that needs no store, so a front door can call it
 * before pulling the image (createContainer calls it again).
 */
export function checkCreateBody(input: unknown): CheckedCreate {
  // A front door checks before it pulls and createContainer checks again: the same body is parsed once.
  const known = typeof input === "object" && input !== null ? checkedBodies.get(input) : undefined;
  if (known) return known;
  const checked = checkBody(input);
  if (typeof input === "object" && input !== null) checkedBodies.set(input, checked);
  return checked;
}

const checkedBodies = new WeakMap<object, CheckedCreate>();

function checkBody(input: unknown): CheckedCreate {
  const body = parseCreateBody(input);
  const hc = body.HostConfig ?? {};
  for (const h of [body.Hostname, body.Domainname]) if (h && !isOneLine(h)) throw new BunkerError(`invalid hostname format: ${JSON.stringify(h)}`);
  if (body.WorkingDir && !isAbsolute(body.WorkingDir)) throw new BunkerError(`the working directory '${body.WorkingDir}' is invalid, it needs to be an absolute path`);
  if (body.StopSignal && signalNumber(body.StopSignal) === undefined) throw new BunkerError(`invalid signal: ${body.StopSignal}`);
  checkNetworkConfig(body);
  for (const path of Object.keys(body.Volumes ?? {})) if (!isAbsolute(path)) throw new BunkerError(`invalid volume specification: "${path}": the container path must be absolute`);
  const tmpfs = Object.fromEntries(Object.entries(hc.Tmpfs ?? {}).map(([dest, opts]) => [checkTmpfsPath(dest), opts]));
  return {
    body,
    hostConfig: hc,
    resources: resourceHostConfig(hc),
    security: checkSecurity(hc),
    userns: checkUserns(hc),
    restartPolicy: checkRestartPolicy(hc.RestartPolicy, hc.AutoRemove ?? false),
    logConfig: checkLogConfig(hc.LogConfig),
    healthcheck: checkHealthcheck(body.Healthcheck ?? undefined),
    mounts: (hc.Mounts ?? []).map(checkMount),
    tmpfs,
    binds: (hc.Binds ?? []).map(parseVolumeSpec),
  };
}

function checkTmpfsPath(dest: string): string {
  if (!isAbsolute(dest)) throw new BunkerError(`invalid tmpfs "${dest}": the container path must be absolute`);
  return normalize(dest);
}

/** A bind as docker records it in Mounts. Its source must exist for --mount; -v creates a missing one. */
function bindMount(b: Extract<VolumeSpec, { kind: "bind" }>): MountPoint {
  if (!existsSync(b.source)) {
    if (b.mustExist) throw new BunkerError(`invalid mount config for type "bind": bind source path does not exist: ${b.source}`);
    mkdirSync(b.source, { recursive: true });
  }
  return { Type: "bind", Source: b.source, Destination: b.destination, Mode: b.mode, RW: b.rw, Propagation: b.propagation ?? "rprivate" };
}

/** KEY=VALUE list (a bare KEY means an empty value), as --label takes it. */
export function parseLabels(labels: string[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => (l.includes("=") ? [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] : [l, ""])));
}

function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString("hex");
}

/** `create`: a ContainerCreate body (and the API's query options) -> a container record on disk. */
export function createContainer(engine: Engine, input: ContainerCreateInput, opts: CreateOptions = {}): ContainerRecord {
  if (opts.name !== undefined && !isValidName(opts.name))
    throw new BunkerError(`Invalid container name (${opts.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  const checked = checkCreateBody(input);
  const { body, hostConfig: hc } = checked;
  const image = engine.images.resolve(body.Image);
  const imageConfig = engine.images.readConfig(image.id).config ?? {};
  const net = networkFields(engine, body, imageConfig.ExposedPorts);
  if (net.Hostname !== undefined && body.Hostname) throw new BunkerError("conflicting options: hostname and the network mode");

  // dockerd's merge: no Entrypoint (null) takes the image's; any Entrypoint given drops the image's CMD unless Cmd is given.
  const given = body.Entrypoint?.length === 1 && body.Entrypoint[0] === "" ? [] : body.Entrypoint;
  const entrypoint = given ?? imageConfig.Entrypoint ?? [];
  const cmd = body.Cmd?.length ? body.Cmd : given ? [] : (imageConfig.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new BunkerError("No command specified");

  const mountConfigs = checked.mounts;
  const mountSpecs = [...checked.binds, ...mountConfigs.flatMap((m) => mountVolumeSpec(m) ?? [])];
  const tmpfs = checked.tmpfs;
  const tmpfsTargets = [...Object.keys(tmpfs), ...mountConfigs.filter((m) => m.Type === "tmpfs").map((m) => cleanPath(m.Target))];
  // Config.Volumes are anonymous volumes unless a bind or a volume mount is at that path (dockerd's rule, as for an image's VOLUMEs).
  const covered = new Set(mountSpecs.map((s) => s.destination));
  const anonymous = Object.keys(body.Volumes ?? {})
    .map(cleanPath)
    .filter((p) => !covered.has(p))
    .map((p): VolumeSpec => ({ kind: "anonymous", destination: p, mode: "", rw: true, nocopy: false }));
  const ownSpecs = [...mountSpecs, ...anonymous];
  const duplicate = [...ownSpecs.map((s) => s.destination), ...tmpfsTargets].find((d, i, all) => all.indexOf(d) !== i);
  if (duplicate) throw new BunkerError(`Duplicate mount point: ${duplicate}`);
  // --volumes-from mounts come first; this container's own mounts win at the same path.
  const inherited = (hc.VolumesFrom ?? []).flatMap((from) => volumesFrom(engine, from));
  const specs = [...inherited.filter((s) => !ownSpecs.some((o) => o.destination === s.destination) && !tmpfsTargets.includes(s.destination)), ...ownSpecs];
  const binds = specs.filter((s) => s.kind === "bind").map(bindMount);
  const volumeRequests = specs.filter((s) => s.kind !== "bind");
  // The image's VOLUMEs get anonymous volumes, unless a -v, --mount or --tmpfs already covers that path.
  const taken = new Set([...specs.map((s) => s.destination), ...tmpfsTargets]);
  for (const dest of opts.ignoreImageVolumes ? [] : Object.keys(imageConfig.Volumes ?? {}).map(cleanPath)) {
    if (!isAbsolute(dest) || taken.has(dest)) continue;
    taken.add(dest);
    volumeRequests.push({ kind: "anonymous", destination: dest, mode: "", rw: true, nocopy: false });
  }
  const anonymousPaths = specs.filter((s) => s.kind === "anonymous").map((s) => s.destination);
  const env = mergeEnv(imageConfig.Env ?? [], body.Env ?? []);

  const driver = storageDriver(engine.dirs.root);
  if (driver === "vfs" && checked.userns.UidMap) throw new BunkerError("--uidmap needs the overlay storage driver: the vfs driver's copied root is not remapped");
  const id = newContainerId();
  const name = opts.name ?? randomName();
  const links = linksField(engine, hc.Links ?? [], net.NetworkMode, name);
  const record: ContainerRecord = {
    Id: id,
    Created: new Date().toISOString(),
    Path: args[0],
    Args: args.slice(1),
    State: initialState(),
    Image: image.id,
    Name: `/${name}`,
    RestartCount: 0,
    Driver: driver,
    Platform: "linux",
    Config: {
      // As docker's daemon: --network host keeps the host's name (in the container's own UTS namespace).
      Hostname: body.Hostname || net.Hostname || (net.NetworkMode === "host" ? hostname() : id.slice(0, 12)),
      Domainname: body.Domainname ?? "",
      User: body.User || imageConfig.User || "",
      AttachStdin: body.AttachStdin ?? false,
      AttachStdout: body.AttachStdout ?? false,
      AttachStderr: body.AttachStderr ?? false,
      Tty: body.Tty ?? false,
      OpenStdin: body.OpenStdin ?? false,
      StdinOnce: body.StdinOnce ?? false,
      Env: env,
      Cmd: cmd.length > 0 ? cmd : null,
      Image: displayImageName(body.Image),
      // As docker: `-v /path` joins the image's VOLUMEs here rather than HostConfig.Binds.
      Volumes: imageConfig.Volumes || anonymousPaths.length > 0 ? { ...imageConfig.Volumes, ...Object.fromEntries(anonymousPaths.map((p) => [p, {}])) } : null,
      WorkingDir: body.WorkingDir || imageConfig.WorkingDir || "",
      Entrypoint: entrypoint.length > 0 ? entrypoint : null,
      Labels: { ...imageConfig.Labels, ...body.Labels },
      StopSignal: body.StopSignal || imageConfig.StopSignal,
      ...(typeof body.StopTimeout === "number" ? { StopTimeout: body.StopTimeout } : {}),
      Healthcheck: mergeHealthcheck(imageConfig.Healthcheck, checked.healthcheck),
      ...(net.ExposedPorts ? { ExposedPorts: net.ExposedPorts } : {}),
      ...(net.MacAddress ? { MacAddress: net.MacAddress } : {}),
    },
    HostConfig: {
      // A TTY's first size, when the client that asked for it is not our terminal (the API's).
      ...(hc.ConsoleSize?.length === 2 ? { ConsoleSize: hc.ConsoleSize } : {}),
      Binds: hc.Binds?.length ? hc.Binds : null,
      NetworkMode: net.NetworkMode,
      PortBindings: net.PortBindings,
      PublishAllPorts: net.PublishAllPorts,
      Dns: net.Dns,
      DnsSearch: net.DnsSearch,
      DnsOptions: net.DnsOptions,
      ExtraHosts: net.ExtraHosts,
      ...(links ? { Links: links } : {}),
      AutoRemove: hc.AutoRemove ?? false,
      RestartPolicy: checked.restartPolicy,
      Init: hc.Init || undefined,
      Tmpfs: Object.keys(tmpfs).length > 0 ? tmpfs : null,
      ...(mountConfigs.length > 0 ? { Mounts: mountConfigs } : {}),
      ...(hc.VolumesFrom?.length ? { VolumesFrom: hc.VolumesFrom } : {}),
      ...checked.security, // CapAdd, CapDrop, Privileged, SecurityOpt, Ulimits, OomScoreAdj
      ReadonlyRootfs: hc.ReadonlyRootfs ?? false,
      ...checked.resources,
      ...checked.userns,
      LogConfig: checked.logConfig,
    },
    Mounts: [],
    NetworkSettings: net.NetworkSettings,
  };
  // Every string here reaches a system call or a file line at start: an image's Volumes key, WorkingDir or Env with a NUL is refused now.
  refuseNul(record, "container config");
  const layers = image.layers.map((l) => engine.images.layerDiff(l)).reverse();
  withContainerVolumes(engine, binds, volumeRequests, layers, (mounts) => {
    record.Mounts = mounts;
    engine.containers.create(record, opts.name === undefined ? randomName : undefined);
  });
  // A prune may have removed the image since it was resolved: it checks for users under the images lock, so
  // looking under that lock after the record exists either finds the image kept for us, or finds it gone.
  if (!engine.images.readLocked((index) => index.images[image.id])) {
    removeContainer(engine, id, { force: true, volumes: true });
    throw new BunkerError(`image ${body.Image} was removed while the container was being created; pull it and try again`);
  }
  try {
    // vfs: the upper dir is the whole root, a copy of the image as overlayfs would have merged it.
    if (driver === "vfs") copyImageTree([initLayer(engine.images.dir), ...layers], engine.containers.path(id, "upper"));
    if (checked.userns.UidMap) chownForUserns(checked.userns, ["upper", "work"].map((d) => engine.containers.path(id, d)));
  } catch (e) {
    // A half-copied root (a full disk) is no container: it goes, as a failed create leaves nothing.
    removeContainer(engine, id, { force: true, volumes: true });
    throw e;
  }
  containerEvent(engine, record, "create");
  return record;
}

/**
 * `--volumes-from CONTAINER[:ro|:rw]`: that container's binds and volumes at the same paths.
 * The mode overrides each one's RW (docker: ro, rw, or as they are).
 */
function volumesFrom(engine: Engine, spec: string): VolumeSpec[] {
  const i = spec.lastIndexOf(":");
  const [ref, mode] = i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
  if (!["", "ro", "rw"].includes(mode)) throw new BunkerError(`invalid mode for volumes-from: ${mode}`);
  const source = engine.containers.load(engine.containers.resolve(ref));
  return source.Mounts.flatMap((m): VolumeSpec[] => {
    const rw = mode === "" ? m.RW : mode === "rw";
    if (m.Type === "bind") return [{ kind: "bind", source: m.Source, destination: m.Destination, mode: m.Mode, rw, propagation: m.Propagation }];
    // nocopy: the volume already holds what its first container gave it.
    if (m.Type === "volume" && m.Name) return [{ kind: "volume", name: m.Name, destination: m.Destination, mode: m.Mode, rw, nocopy: true }];
    return [];
  });
}

/** What `ps` shows in the IMAGE column: the name as given (without docker.io/library), or the short id. */
function displayImageName(given: string): string {
  try {
    const ref = parseReference(given);
    return ref.tag === "latest" && !given.endsWith(":latest") ? familiarName(ref) : canonical(ref).replace(/^docker\.io\/(library\/)?/, "");
  } catch {
    return given;
  }
}
