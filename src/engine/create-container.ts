// `create` (and the first half of `run`): image + flags -> a container record on disk.
import { existsSync, mkdirSync } from "node:fs";
import { isAbsolute, normalize } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import { isOneLine, refuseNul } from "../lib/untrusted-text.ts";
import { canonical, familiarName, parseReference } from "../image/reference.ts";
import { checkNetworkFlags, type NetworkFlags, networkFields } from "./container-network.ts";
import type { ContainerRecord, MountPoint } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { mergeEnv, readEnvFile } from "./env.ts";
import { type HealthConfig, mergeHealthcheck } from "./health.ts";
import { DEFAULT_LOG_CONFIG, type LogConfig } from "./log-config.ts";
import { linksField } from "./container-links.ts";
import { isValidName, randomName } from "./names.ts";
import type { ResourceConfig } from "./resources.ts";
import type { RestartPolicy } from "./restart-policy.ts";
import type { SecurityConfig } from "./security.ts";
import { chownForUserns, type UsernsConfig } from "./userns.ts";
import { initialState } from "./state.ts";
import { initLayer } from "./init-layer.ts";
import { removeContainer } from "./remove-container.ts";
import { storageDriver } from "./storage-driver.ts";
import { copyImageTree } from "./volume-copy.ts";
import { mountVolumeSpec, parseMountSpec } from "./mount-spec.ts";
import { cleanPath, parseVolumeSpec, type VolumeSpec } from "./volume-spec.ts";
import { withContainerVolumes } from "./volumes.ts";

export interface CreateOptions {
  image: string;
  command: string[];
  entrypoint?: string[]; // [] resets the image's entrypoint
  name?: string;
  env: string[];
  envFiles: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  domainname?: string;
  /** --link NAME[:ALIAS] (container-links.ts). */
  links?: string[];
  volumes: string[];
  /** --mount specs (engine/mount-spec.ts). */
  mounts?: string[];
  /** --volumes-from CONTAINER[:ro|:rw]. */
  volumesFrom?: string[];
  tmpfs: string[];
  /** --network and the other network flags (checked by checkNetworkFlags). */
  network: NetworkFlags;
  tty: boolean;
  interactive: boolean;
  /** `run -i` attached: the container's stdin closes when the client's does (docker's StdinOnce). */
  stdinOnce?: boolean;
  autoRemove: boolean;
  restartPolicy?: RestartPolicy;
  /** --init: docker-init (the monitor executable's init mode) as PID 1. */
  init: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  labels: string[];
  readOnly: boolean;
  /** Already checked (see securityHostConfig), so a bad value fails before any pull. */
  security: SecurityConfig;
  /** Already checked (see resourceConfig), so a bad value fails before any pull. */
  resources: ResourceConfig;
  /** Already checked (see usernsConfig). */
  userns?: UsernsConfig;
  /** The --health-* flags (healthcheckConfig), merged with the image's HEALTHCHECK. */
  healthcheck?: HealthConfig;
  /** Already checked (see logConfig); docker's default when absent. */
  logConfig?: LogConfig;
  /** A build step's container: the image's VOLUMEs get no volumes (docker's builder writes through them). */
  ignoreImageVolumes?: boolean;
  /** The API's HostConfig.ConsoleSize [rows, cols]: a TTY's first size, when the client is not our terminal. */
  consoleSize?: [number, number];
}

/** A bind as docker records it in Mounts. Its source must exist for --mount; -v creates a missing one. */
function bindMount(b: Extract<VolumeSpec, { kind: "bind" }>): MountPoint {
  if (!existsSync(b.source)) {
    if (b.mustExist) throw new BunkerError(`invalid mount config for type "bind": bind source path does not exist: ${b.source}`);
    mkdirSync(b.source, { recursive: true });
  }
  return { Type: "bind", Source: b.source, Destination: b.destination, Mode: b.mode, RW: b.rw, Propagation: b.propagation ?? "rprivate" };
}

function parseTmpfs(spec: string): [string, string] {
  const i = spec.indexOf(":");
  const dest = i < 0 ? spec : spec.slice(0, i);
  if (!isAbsolute(dest)) throw new BunkerError(`invalid tmpfs "${spec}": the container path must be absolute`);
  return [normalize(dest), i < 0 ? "" : spec.slice(i + 1)];
}

/** KEY=VALUE list (a bare KEY means an empty value), as --label takes it. */
export function parseLabels(labels: string[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => (l.includes("=") ? [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] : [l, ""])));
}

function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Buffer.from(bytes).toString("hex");
}

export function createContainer(engine: Engine, opts: CreateOptions): ContainerRecord {
  if (opts.name !== undefined && !isValidName(opts.name))
    throw new BunkerError(`Invalid container name (${opts.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  checkNetworkFlags(opts.network); // compose and the API come here without the CLI's early check
  for (const h of [opts.hostname, opts.domainname]) if (h !== undefined && !isOneLine(h)) throw new BunkerError(`invalid hostname format: ${JSON.stringify(h)}`);
  const image = engine.images.resolve(opts.image);
  const imageConfig = engine.images.readConfig(image.id).config ?? {};
  const net = networkFields(engine, opts.network, imageConfig.ExposedPorts);
  if (net.Hostname !== undefined && opts.hostname !== undefined) throw new BunkerError("conflicting options: hostname and the network mode");

  const entrypoint = opts.entrypoint ?? imageConfig.Entrypoint ?? [];
  // An explicit --entrypoint resets the image's CMD, as in docker.
  const cmd = opts.command.length > 0 ? opts.command : opts.entrypoint !== undefined ? [] : (imageConfig.Cmd ?? []);
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new BunkerError("No command specified");

  const mountConfigs = (opts.mounts ?? []).map(parseMountSpec);
  const ownSpecs = [...opts.volumes.map(parseVolumeSpec), ...mountConfigs.flatMap((m) => mountVolumeSpec(m) ?? [])];
  const tmpfs = Object.fromEntries(opts.tmpfs.map(parseTmpfs));
  const tmpfsTargets = [...Object.keys(tmpfs), ...mountConfigs.filter((m) => m.Type === "tmpfs").map((m) => cleanPath(m.Target))];
  const duplicate = [...ownSpecs.map((s) => s.destination), ...tmpfsTargets].find((d, i, all) => all.indexOf(d) !== i);
  if (duplicate) throw new BunkerError(`Duplicate mount point: ${duplicate}`);
  // --volumes-from mounts come first; this container's own mounts win at the same path.
  const inherited = (opts.volumesFrom ?? []).flatMap((from) => volumesFrom(engine, from));
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
  const env = mergeEnv(imageConfig.Env ?? [], ...opts.envFiles.map(readEnvFile), opts.env);

  const driver = storageDriver(engine.dirs.root);
  if (driver === "vfs" && opts.userns?.UidMap) throw new BunkerError("--uidmap needs the overlay storage driver: the vfs driver's copied root is not remapped");
  const id = newContainerId();
  const name = opts.name ?? randomName();
  const links = linksField(engine, opts.links ?? [], net.NetworkMode, name);
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
      Hostname: opts.hostname ?? net.Hostname ?? id.slice(0, 12),
      Domainname: opts.domainname ?? "",
      User: opts.user ?? imageConfig.User ?? "",
      AttachStdin: opts.interactive,
      AttachStdout: true,
      AttachStderr: true,
      Tty: opts.tty,
      OpenStdin: opts.interactive,
      StdinOnce: opts.stdinOnce ?? false,
      Env: env,
      Cmd: cmd.length > 0 ? cmd : null,
      Image: displayImageName(opts.image),
      // As docker: `-v /path` joins the image's VOLUMEs here rather than HostConfig.Binds.
      Volumes: imageConfig.Volumes || anonymousPaths.length > 0 ? { ...imageConfig.Volumes, ...Object.fromEntries(anonymousPaths.map((p) => [p, {}])) } : null,
      WorkingDir: opts.workdir ?? imageConfig.WorkingDir ?? "",
      Entrypoint: entrypoint.length > 0 ? entrypoint : null,
      Labels: { ...imageConfig.Labels, ...parseLabels(opts.labels) },
      StopSignal: opts.stopSignal ?? imageConfig.StopSignal,
      ...(opts.stopTimeout !== undefined ? { StopTimeout: opts.stopTimeout } : {}),
      Healthcheck: mergeHealthcheck(imageConfig.Healthcheck, opts.healthcheck),
      ...(net.ExposedPorts ? { ExposedPorts: net.ExposedPorts } : {}),
      ...(net.MacAddress ? { MacAddress: net.MacAddress } : {}),
    },
    HostConfig: {
      ...(opts.consoleSize ? { ConsoleSize: opts.consoleSize } : {}),
      Binds: opts.volumes.some((v) => v.includes(":")) ? opts.volumes.filter((v) => v.includes(":")) : null,
      NetworkMode: net.NetworkMode,
      PortBindings: net.PortBindings,
      PublishAllPorts: net.PublishAllPorts,
      Dns: net.Dns,
      DnsSearch: net.DnsSearch,
      DnsOptions: net.DnsOptions,
      ExtraHosts: net.ExtraHosts,
      ...(links ? { Links: links } : {}),
      AutoRemove: opts.autoRemove,
      RestartPolicy: opts.restartPolicy ?? { Name: "no", MaximumRetryCount: 0 },
      Init: opts.init || undefined,
      Tmpfs: opts.tmpfs.length > 0 ? tmpfs : null,
      ...(mountConfigs.length > 0 ? { Mounts: mountConfigs } : {}),
      ...(opts.volumesFrom?.length ? { VolumesFrom: opts.volumesFrom } : {}),
      ...opts.security, // CapAdd, CapDrop, Privileged, SecurityOpt, Ulimits, OomScoreAdj
      ReadonlyRootfs: opts.readOnly,
      ...opts.resources,
      ...opts.userns,
      LogConfig: opts.logConfig ?? DEFAULT_LOG_CONFIG,
    },
    Mounts: [],
    NetworkSettings: net.NetworkSettings,
  };
  // Every string here reaches a system call or a file line at start: an image's Volumes key, WorkingDir or Env with a NUL is refused now.
  refuseNul(record, "container config");
  if (opts.workdir !== undefined && !isAbsolute(opts.workdir)) throw new BunkerError(`the working directory '${opts.workdir}' is invalid, it needs to be an absolute path`);
  const layers = image.layers.map((l) => engine.images.layerDiff(l)).reverse();
  withContainerVolumes(engine, binds, volumeRequests, layers, (mounts) => {
    record.Mounts = mounts;
    engine.containers.create(record, opts.name === undefined ? randomName : undefined);
  });
  // A prune may have removed the image since it was resolved: it checks for users under the images lock, so
  // looking under that lock after the record exists either finds the image kept for us, or finds it gone.
  if (!engine.images.readLocked((index) => index.images[image.id])) {
    removeContainer(engine, id, { force: true, volumes: true });
    throw new BunkerError(`image ${opts.image} was removed while the container was being created; pull it and try again`);
  }
  try {
    // vfs: the upper dir is the whole root, a copy of the image as overlayfs would have merged it.
    if (driver === "vfs") copyImageTree([initLayer(engine.images.dir), ...layers], engine.containers.path(id, "upper"));
    if (opts.userns?.UidMap) chownForUserns(opts.userns, ["upper", "work"].map((d) => engine.containers.path(id, d)));
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
