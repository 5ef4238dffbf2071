// A compose service as a container: the ContainerCreate body it amounts to
// (which the engine checks as it checks the CLI's, so every check and default
// is docker's), with the labels compose puts on its containers and a hash of
// the configuration, which tells `up` whether a container must be recreated.
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { ContainerCreateInput, EndpointSettings, HealthConfig, PortMap } from "../engine/container-create.ts";
import { readEnvFile, withCallerValue } from "../engine/env.ts";
import { logConfig } from "../engine/log-config.ts";
import { parseResourceFlags } from "../engine/resources.ts";
import { parseRestartPolicy } from "../engine/restart-policy.ts";
import { securityHostConfig } from "../engine/security.ts";
import { usernsConfig } from "../engine/userns.ts";
import { parseExpose, parsePublish } from "../network/ports.ts";
import { parseGoDuration } from "../engine/units.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Project } from "./load.ts";
import { keyValueMap } from "./merge.ts";
import type { ServiceSpec } from "./schema.ts";

export const LABEL = {
  project: "com.docker.compose.project",
  service: "com.docker.compose.service",
  number: "com.docker.compose.container-number",
  configHash: "com.docker.compose.config-hash",
  oneoff: "com.docker.compose.oneoff",
  workingDir: "com.docker.compose.project.working_dir",
  configFiles: "com.docker.compose.project.config_files",
  network: "com.docker.compose.network",
  volume: "com.docker.compose.volume",
} as const;

/** Compose's words for a string command: split like a shell would, without running one. */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote) throw new BunkerError(`invalid command line: unmatched quote in "${text}"`, 1);
  if (word !== null) words.push(word);
  return words;
}

const asWords = (v: string | string[] | null | undefined): string[] | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? v : splitCommand(v);

/** Real names: `<project>_<key>` unless the file names it (`name:`) or it is external. */
export function volumeName(project: Project, key: string): string {
  const v = project.volumes[key];
  const external = v?.external;
  if (external && typeof external === "object") return external.name;
  return v?.name ?? (external ? key : `${project.name}_${key}`);
}

export function networkName(project: Project, key: string): string {
  const n = project.networks[key];
  const external = n?.external;
  if (external && typeof external === "object") return external.name;
  return n?.name ?? (external ? key : `${project.name}_${key}`);
}

/** The networks a service joins, by key, with its aliases there (the service's own name always among them). */
export function serviceNetworks(name: string, s: ServiceSpec, linkAliases: string[] = []): { key: string; aliases: string[]; ipv4?: string }[] {
  if (s.network_mode) return [];
  const nets = s.networks ?? ["default"];
  const entries = Array.isArray(nets) ? nets.map((k) => [k, null] as const) : Object.entries(nets);
  return entries.map(([key, cfg]) => ({ key, aliases: [...new Set([name, ...(cfg?.aliases ?? []), ...linkAliases])], ipv4: cfg?.ipv4_address }));
}

/**
 * The names other services' `links: [service:alias]` give this one. Links are
 * legacy; on a user network docker resolves them as aliases, which is what
 * they become here (visible to every container of the network, not only the linking one).
 */
export function linkAliases(project: Project, service: string): string[] {
  const aliases: string[] = [];
  for (const s of Object.values(project.services)) {
    for (const link of s.links ?? []) {
      const [target, alias] = link.split(":");
      if (target === service && alias && alias !== service) aliases.push(alias);
    }
  }
  return aliases;
}

function hostPath(project: Project, source: string): string {
  if (source.startsWith("~/") || source === "~") return resolve(homedir(), source.slice(2));
  return isAbsolute(source) ? source : resolve(project.directory, source);
}

const isPathLike = (s: string) => s.startsWith(".") || s.startsWith("/") || s.startsWith("~");

/** A service volume in -v's form (named volumes get their project name; relative binds the project directory). */
function volumeArg(project: Project, v: NonNullable<ServiceSpec["volumes"]>[number]): { flag: "volume" | "tmpfs"; value: string } {
  if (typeof v === "string") {
    const parts = v.split(":");
    if (parts.length === 1) return { flag: "volume", value: v };
    const [source, ...rest] = parts;
    const resolved = isPathLike(source) ? hostPath(project, source) : volumeName(project, source);
    return { flag: "volume", value: [resolved, ...rest].join(":") };
  }
  const ro = v.read_only === true || v.read_only === "true";
  if (v.type === "tmpfs") return { flag: "tmpfs", value: v.tmpfs?.size ? `${v.target}:size=${v.tmpfs.size}` : v.target };
  if (!v.source) return { flag: "volume", value: v.target };
  const source = v.type === "bind" ? hostPath(project, v.source) : volumeName(project, v.source);
  return { flag: "volume", value: `${source}:${v.target}${ro ? ":ro" : ""}` };
}

function portArg(p: NonNullable<ServiceSpec["ports"]>[number]): string {
  if (typeof p !== "object") return String(p);
  const host = [p.host_ip, p.published].filter((x) => x !== undefined && x !== "").join(":");
  return `${host ? `${host}:` : ""}${p.target}${p.protocol ? `/${p.protocol}` : ""}`;
}

const seconds = (d: string | number) => Math.ceil((typeof d === "number" ? d * 1e9 : parseGoDuration(d)) / 1e9);
const nanos = (d: string | number | undefined) => (d === undefined ? undefined : typeof d === "number" ? d * 1e9 : parseGoDuration(d));
const truthy = (v: boolean | string | undefined) => v === true || v === "true" || v === "yes";

export function healthConfig(h: ServiceSpec["healthcheck"]): HealthConfig | undefined {
  if (!h) return undefined;
  if (truthy(h.disable)) return { Test: ["NONE"] };
  const test = h.test === undefined ? [] : typeof h.test === "string" ? ["CMD-SHELL", h.test] : h.test;
  return {
    Test: test,
    Interval: nanos(h.interval),
    Timeout: nanos(h.timeout),
    StartPeriod: nanos(h.start_period),
    StartInterval: nanos(h.start_interval),
    Retries: h.retries === undefined ? undefined : Number(h.retries),
  };
}

/** The container's name: container_name, or <project>-<service>-<n> as compose v2 names them. */
export function containerName(project: Project, service: string, s: ServiceSpec, n: number): string {
  return s.container_name ?? `${project.name}-${service}-${n}`;
}

export interface ContainerPlan {
  /** The ContainerCreate body the service amounts to. */
  body: ContainerCreateInput;
  name: string;
  platform?: string;
  /** Networks to connect after create (the first is the body's NetworkMode). */
  extraNetworks: { name: string; aliases: string[] }[];
  configHash: string;
}

/** The image a service runs: its own, or the one `build` makes (<project>-<service>, as compose names it). */
export function serviceImage(project: Project, service: string, s: ServiceSpec): string {
  return s.image ?? `${project.name}-${service}`;
}

/** What decides whether a container must be recreated: the service's configuration and the link aliases others give it. */
export function configHash(s: ServiceSpec, aliases: string[] = []): string {
  return new Bun.CryptoHasher("sha256").update(JSON.stringify(aliases.length ? [s, aliases] : s)).digest("hex");
}

/** How many containers the service wants: --scale, else deploy.replicas / scale, else 1. */
export function replicas(s: ServiceSpec, scale?: number): number {
  return scale ?? Number(s.deploy?.replicas ?? s.scale ?? 1);
}

const text = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
const listOf = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : ([] as T[]).concat(v));

/** `oneoff`: a `compose run` container (labelled so, never counted among the service's replicas). */
export function containerPlan(project: Project, service: string, s: ServiceSpec, number: number, resolveService: (name: string) => string, oneoff = false): ContainerPlan {
  const where = `services.${service}`;
  const hash = configHash(s, linkAliases(project, service));
  const labels: Record<string, string> = {
    ...Object.fromEntries(Object.entries(keyValueMap(s.labels)).map(([k, v]) => [k, String(v ?? "")])),
    [LABEL.project]: project.name,
    [LABEL.service]: service,
    [LABEL.number]: String(number),
    [LABEL.configHash]: hash,
    [LABEL.oneoff]: oneoff ? "True" : "False",
    [LABEL.workingDir]: project.directory,
    [LABEL.configFiles]: project.files.join(","),
  };
  const envFiles = listOf<string | { path: string }>(s.env_file).flatMap((f) => readEnvFile(hostPath(project, typeof f === "string" ? f : f.path)));
  const environment = Object.entries(keyValueMap(s.environment)).map(([k, v]) => (v === null ? k : `${k}=${v}`));

  const bindings: PortMap = {};
  for (const p of s.ports ?? []) parsePublish(portArg(p), bindings);
  const exposed: Record<string, object> = {};
  for (const e of s.expose ?? []) parseExpose(String(e), exposed);
  for (const key of Object.keys(bindings)) exposed[key] = {};

  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  const tmpfs: Record<string, string> = {};
  const addTmpfs = (spec: string) => {
    const i = spec.indexOf(":");
    tmpfs[i < 0 ? spec : spec.slice(0, i)] = i < 0 ? "" : spec.slice(i + 1);
  };
  for (const v of s.volumes ?? []) {
    const { flag, value } = volumeArg(project, v);
    if (flag === "tmpfs") addTmpfs(value);
    else if (value.includes(":")) binds.push(value);
    else anonymous[value] = {};
  }
  // File secrets, as compose gives them: read-only at /run/secrets/<target>.
  for (const ref of s.secrets ?? []) {
    const source = typeof ref === "string" ? ref : ref.source;
    const secret = project.secrets[source];
    if (!secret?.file) throw new BunkerError(`${where}.secrets: service refers to undefined secret ${source}: invalid compose project`, 1);
    const target = typeof ref === "string" ? ref : (ref.target ?? ref.source);
    binds.push(`${hostPath(project, secret.file)}:${target.startsWith("/") ? target : `/run/secrets/${target}`}:ro`);
  }
  for (const t of listOf(s.tmpfs)) addTmpfs(t);
  const volumesFrom = (s.volumes_from ?? []).map((from) => {
    const [ref, mode] = from.split(":");
    const target = ref.startsWith("container:") ? ref.slice("container:".length) : resolveService(ref);
    return mode ? `${target}:${mode}` : target;
  });

  const nets = serviceNetworks(service, s, linkAliases(project, service));
  let networkMode = "default";
  const endpoints: Record<string, EndpointSettings> = {};
  if (s.network_mode) {
    networkMode = s.network_mode.startsWith("service:") ? `container:${resolveService(s.network_mode.slice("service:".length))}` : s.network_mode;
  } else if (nets.length) {
    networkMode = networkName(project, nets[0].key);
    endpoints[networkMode] = { Aliases: nets[0].aliases, ...(nets[0].ipv4 ? { IPAMConfig: { IPv4Address: nets[0].ipv4 } } : {}) };
  }

  const limits = s.deploy?.resources?.limits;
  const restart = s.restart === undefined ? undefined : parseRestartPolicy(s.restart);
  if (typeof restart === "string") throw new BunkerError(restart);
  const body: ContainerCreateInput = {
    Hostname: s.hostname ?? "",
    Domainname: s.domainname ?? "",
    User: s.user ?? "",
    AttachStdin: truthy(s.stdin_open),
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: exposed,
    Tty: truthy(s.tty),
    OpenStdin: truthy(s.stdin_open),
    Env: [...envFiles, ...environment].map(withCallerValue),
    Cmd: asWords(s.command) ?? [],
    Healthcheck: healthConfig(s.healthcheck),
    Image: serviceImage(project, service, s),
    Volumes: anonymous,
    WorkingDir: s.working_dir ?? "",
    Entrypoint: asWords(s.entrypoint) ?? null,
    Labels: labels,
    StopSignal: s.stop_signal,
    StopTimeout: s.stop_grace_period === undefined ? undefined : seconds(s.stop_grace_period),
    HostConfig: {
      Binds: binds,
      LogConfig: logConfig(s.logging?.driver, Object.entries(s.logging?.options ?? {}).map(([k, v]) => `${k}=${v}`)),
      NetworkMode: networkMode,
      PortBindings: bindings,
      RestartPolicy: restart,
      VolumesFrom: volumesFrom,
      Dns: listOf(s.dns),
      DnsOptions: s.dns_opt ?? [],
      DnsSearch: listOf(s.dns_search),
      ExtraHosts: Array.isArray(s.extra_hosts) ? s.extra_hosts.map((h) => h.replace("=", ":")) : Object.entries(s.extra_hosts ?? {}).map(([h, ip]) => `${h}:${ip}`),
      ReadonlyRootfs: truthy(s.read_only),
      Tmpfs: tmpfs,
      Init: truthy(s.init),
      ...parseResourceFlags({
        memory: text(s.mem_limit ?? limits?.memory),
        memorySwap: text(s.memswap_limit),
        memoryReservation: text(s.mem_reservation),
        cpus: text(s.cpus ?? limits?.cpus),
        cpuShares: text(s.cpu_shares),
        cpusetCpus: s.cpuset,
        pidsLimit: text(s.pids_limit ?? limits?.pids),
        shmSize: text(s.shm_size),
        devices: s.devices ?? [],
      }),
      ...securityHostConfig({
        capAdd: s.cap_add ?? [],
        capDrop: s.cap_drop ?? [],
        privileged: truthy(s.privileged),
        securityOpt: s.security_opt ?? [],
        ulimits: Object.entries(s.ulimits ?? {}).map(([name, l]) => (typeof l === "object" ? `${name}=${l.soft}:${l.hard}` : `${name}=${l}`)),
        oomScoreAdj: s.oom_score_adj === undefined ? undefined : Number(s.oom_score_adj),
      }),
      ...usernsConfig({ userns: s.userns_mode, uidmap: [], gidmap: [] }),
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
  return {
    body,
    name: containerName(project, service, s, number),
    platform: s.platform,
    extraNetworks: nets.slice(1).map((n) => ({ name: networkName(project, n.key), aliases: n.aliases })),
    configHash: hash,
  };
}
