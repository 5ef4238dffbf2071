// TEMPORARY (issue 16): POST /containers/create's body turned into today's
// CreateOptions, through the same checkers as the CLI's flags. The one create
// model (branch w-createmodel) makes the body itself the engine's input; once it
// is merged this file goes and the handler passes the body to createContainer.
import type { CreateOptions } from "../engine/create-container.ts";
import type { HealthConfig } from "../engine/health.ts";
import { logConfig } from "../engine/log-config.ts";
import { resourceConfig } from "../engine/resources.ts";
import { parseRestartPolicy } from "../engine/restart-policy.ts";
import { securityHostConfig } from "../engine/security.ts";
import { UsageError } from "../lib/errors.ts";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): string | undefined => (typeof v === "number" && v !== 0 ? String(v) : undefined);
const pairs = (v: unknown, sep = "="): string[] => Object.entries(obj(v)).map(([k, val]) => (val === "" || val === null ? k : `${k}${sep}${val}`));

/** A mount object (moby's mount.Mount) as the --mount text the engine parses. */
function mountText(m: Obj): string {
  const parts = [`type=${m.Type ?? "volume"}`];
  if (m.Source) parts.push(`source=${m.Source}`);
  parts.push(`target=${m.Target}`);
  if (m.ReadOnly) parts.push("readonly");
  const bind = obj(m.BindOptions);
  if (bind.Propagation) parts.push(`bind-propagation=${bind.Propagation}`);
  const volume = obj(m.VolumeOptions);
  if (volume.NoCopy) parts.push("volume-nocopy");
  const tmpfs = obj(m.TmpfsOptions);
  if (tmpfs.SizeBytes) parts.push(`tmpfs-size=${tmpfs.SizeBytes}`);
  if (tmpfs.Mode) parts.push(`tmpfs-mode=${Number(tmpfs.Mode).toString(8)}`);
  return parts.join(",");
}

/** PortBindings {"80/tcp": [{HostIp, HostPort}]} as -p texts. */
function publishTexts(bindings: unknown): string[] {
  return Object.entries(obj(bindings)).flatMap(([port, list]) =>
    (Array.isArray(list) && list.length ? list : [{}]).map((b: Obj) => {
      const ip = str(b.HostIp);
      const host = str(b.HostPort) ?? "";
      return ip ? `${ip.includes(":") ? `[${ip}]` : ip}:${host}:${port}` : `${host}:${port}`;
    }),
  );
}

export function createOptionsFromBody(body: unknown, name: string | undefined): CreateOptions {
  const config = obj(body);
  const host = obj(config.HostConfig);
  const networkMode = str(host.NetworkMode) ?? "bridge";
  const network = networkMode === "default" ? "bridge" : networkMode;
  const endpoint = obj(obj(obj(config.NetworkingConfig).EndpointsConfig)[network]);
  const ipam = obj(endpoint.IPAMConfig);
  const image = str(config.Image);
  if (!image) throw new UsageError("Config cannot be empty in order to create a container");
  const policyName = str(obj(host.RestartPolicy).Name);
  let restartPolicy: CreateOptions["restartPolicy"];
  if (policyName) {
    const count = obj(host.RestartPolicy).MaximumRetryCount;
    const policy = parseRestartPolicy(count ? `${policyName}:${count}` : policyName);
    if (typeof policy === "string") throw new UsageError(policy);
    if (host.AutoRemove && policy.Name !== "no") throw new UsageError("can't create 'AutoRemove' container with restart policy");
    restartPolicy = policy;
  }
  const logType = str(obj(host.LogConfig).Type);
  const healthcheck = config.Healthcheck ? (config.Healthcheck as HealthConfig) : undefined;
  return {
    image,
    command: strs(config.Cmd),
    entrypoint: Array.isArray(config.Entrypoint) ? (strs(config.Entrypoint).join("") === "" ? [] : strs(config.Entrypoint)) : undefined,
    name,
    env: strs(config.Env),
    envFiles: [],
    workdir: str(config.WorkingDir),
    user: str(config.User),
    hostname: str(config.Hostname),
    domainname: str(config.Domainname),
    links: strs(host.Links),
    // Config.Volumes {"/data": {}} are anonymous volumes, as -v /data.
    volumes: [...strs(host.Binds), ...Object.keys(obj(config.Volumes))],
    mounts: (Array.isArray(host.Mounts) ? host.Mounts : []).map((m) => mountText(obj(m))),
    volumesFrom: strs(host.VolumesFrom),
    tmpfs: pairs(host.Tmpfs, ":"),
    network: {
      network,
      publish: publishTexts(host.PortBindings),
      publishAll: host.PublishAllPorts === true,
      expose: Object.keys(obj(config.ExposedPorts)),
      ip: str(ipam.IPv4Address),
      mac: str(config.MacAddress) ?? str(endpoint.MacAddress),
      dns: strs(host.Dns),
      dnsSearch: strs(host.DnsSearch),
      dnsOptions: strs(host.DnsOptions),
      addHosts: strs(host.ExtraHosts),
      aliases: strs(endpoint.Aliases),
    },
    tty: config.Tty === true,
    interactive: config.OpenStdin === true,
    stdinOnce: config.StdinOnce === true,
    autoRemove: host.AutoRemove === true,
    restartPolicy,
    init: host.Init === true,
    stopSignal: str(config.StopSignal),
    stopTimeout: typeof config.StopTimeout === "number" ? config.StopTimeout : undefined,
    labels: pairs(config.Labels),
    readOnly: host.ReadonlyRootfs === true,
    resources: resourceConfig({
      memory: num(host.Memory),
      memorySwap: num(host.MemorySwap),
      memoryReservation: num(host.MemoryReservation),
      cpus: typeof host.NanoCpus === "number" && host.NanoCpus ? String(host.NanoCpus / 1e9) : undefined,
      cpuShares: num(host.CpuShares),
      cpusetCpus: str(host.CpusetCpus),
      cpusetMems: str(host.CpusetMems),
      pidsLimit: typeof host.PidsLimit === "number" ? String(host.PidsLimit) : undefined,
      shmSize: num(host.ShmSize),
      devices: (Array.isArray(host.Devices) ? host.Devices : []).map((d: Obj) => [d.PathOnHost, d.PathInContainer, d.CgroupPermissions].filter(Boolean).join(":")),
    }),
    security: securityHostConfig({
      capAdd: strs(host.CapAdd),
      capDrop: strs(host.CapDrop),
      privileged: host.Privileged === true,
      securityOpt: strs(host.SecurityOpt),
      ulimits: (Array.isArray(host.Ulimits) ? host.Ulimits : []).map((u: Obj) => `${u.Name}=${u.Soft}:${u.Hard}`),
      oomScoreAdj: typeof host.OomScoreAdj === "number" ? host.OomScoreAdj : undefined,
    }),
    healthcheck,
    logConfig: logConfig(logType, pairs(obj(host.LogConfig).Config)),
    consoleSize: Array.isArray(host.ConsoleSize) && host.ConsoleSize.length === 2 ? (host.ConsoleSize as [number, number]) : undefined,
  };
}
