// A compose service as a container: the `run` flags it amounts to (parsed by
// the same code as the CLI's, so every check and default is docker's), plus
// the labels compose puts on its containers and a hash of the configuration,
// which tells `up` whether a container must be recreated.
import { homedir } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { CREATE_FLAGS, createOptions } from "../cli/commands/container/create-flags.ts";
import { parseFlags } from "../cli/flags.ts";
import type { CreateOptions } from "../engine/create-container.ts";
import type { HealthConfig } from "../engine/health.ts";
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

const FLAG_NAMES = new Set(CREATE_FLAGS.map((f) => f.name));

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

/** A service volume as a -v argument (named volumes get their project name; relative binds the project directory). */
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
  /** `run` arguments: flags, then the image and command. */
  args: string[];
  /** What flags cannot say: the health check's exec form, and an entrypoint of several words. */
  healthcheck?: HealthConfig;
  entrypoint?: string[];
  /** Networks to connect after create (the first is given with --network). */
  extraNetworks: { name: string; aliases: string[] }[];
  configHash: string;
}

/** What `create` makes of a plan; LEADING are flags of the caller's own (compose run's --rm). */
export function planCreateOptions(plan: ContainerPlan, leading: string[] = []): CreateOptions {
  const parsed = parseFlags([...leading, ...plan.args], CREATE_FLAGS, { command: "run", stopAtFirstPositional: true });
  const opts = createOptions(parsed.flags, parsed.positionals);
  if (plan.healthcheck) opts.healthcheck = plan.healthcheck;
  if (plan.entrypoint) opts.entrypoint = plan.entrypoint;
  return opts;
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

/** `oneoff`: a `compose run` container (labelled so, never counted among the service's replicas). */
export function containerPlan(project: Project, service: string, s: ServiceSpec, number: number, resolveService: (name: string) => string, oneoff = false): ContainerPlan {
  const args: string[] = [];
  const where = `services.${service}`;
  const add = (flag: string, value?: string | number | boolean) => {
    if (!FLAG_NAMES.has(flag)) throw new BunkerError(`${where}: this bunker does not support what needs --${flag} yet`, 1);
    if (value === undefined || value === false) return;
    args.push(value === true ? `--${flag}` : `--${flag}=${value}`);
  };
  const hash = configHash(s, linkAliases(project, service));
  add("name", containerName(project, service, s, number));
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
  for (const [k, v] of Object.entries(labels)) add("label", `${k}=${v}`);
  for (const [k, v] of Object.entries(keyValueMap(s.environment))) add("env", v === null ? k : `${k}=${v}`);
  for (const f of s.env_file === undefined ? [] : ([] as (string | { path: string })[]).concat(s.env_file)) {
    add("env-file", hostPath(project, typeof f === "string" ? f : f.path));
  }
  for (const p of s.ports ?? []) add("publish", portArg(p));
  for (const e of s.expose ?? []) if (FLAG_NAMES.has("expose")) add("expose", String(e));
  for (const v of s.volumes ?? []) {
    const { flag, value } = volumeArg(project, v);
    add(flag, value);
  }
  // File secrets, as compose gives them: read-only at /run/secrets/<target>.
  for (const ref of s.secrets ?? []) {
    const source = typeof ref === "string" ? ref : ref.source;
    const secret = project.secrets[source];
    if (!secret?.file) throw new BunkerError(`${where}.secrets: service refers to undefined secret ${source}: invalid compose project`, 1);
    const target = typeof ref === "string" ? ref : (ref.target ?? ref.source);
    add("volume", `${hostPath(project, secret.file)}:${target.startsWith("/") ? target : `/run/secrets/${target}`}:ro`);
  }
  for (const from of s.volumes_from ?? []) {
    const [ref, mode] = from.split(":");
    const target = ref.startsWith("container:") ? ref.slice("container:".length) : resolveService(ref);
    add("volumes-from", mode ? `${target}:${mode}` : target);
  }
  const nets = serviceNetworks(service, s, linkAliases(project, service));
  if (s.network_mode) {
    const mode = s.network_mode.startsWith("service:") ? `container:${resolveService(s.network_mode.slice("service:".length))}` : s.network_mode;
    add("network", mode);
  } else if (nets.length) {
    add("network", networkName(project, nets[0].key));
    for (const a of nets[0].aliases) add("network-alias", a);
    if (nets[0].ipv4) add("ip", nets[0].ipv4);
  }
  if (s.hostname) add("hostname", s.hostname);
  if (s.domainname) add("domainname", s.domainname);
  if (s.working_dir) add("workdir", s.working_dir);
  if (s.user) add("user", s.user);
  add("init", truthy(s.init));
  add("read-only", truthy(s.read_only));
  add("privileged", truthy(s.privileged));
  add("tty", truthy(s.tty));
  add("interactive", truthy(s.stdin_open));
  for (const c of s.cap_add ?? []) add("cap-add", c);
  for (const c of s.cap_drop ?? []) add("cap-drop", c);
  for (const o of s.security_opt ?? []) add("security-opt", o);
  const limits = s.deploy?.resources?.limits;
  const memory = s.mem_limit ?? limits?.memory;
  if (memory !== undefined) add("memory", memory);
  if (s.memswap_limit !== undefined) add("memory-swap", s.memswap_limit);
  if (s.mem_reservation !== undefined) add("memory-reservation", s.mem_reservation);
  const cpus = s.cpus ?? limits?.cpus;
  if (cpus !== undefined) add("cpus", cpus);
  if (s.cpu_shares !== undefined) add("cpu-shares", s.cpu_shares);
  if (s.cpuset) add("cpuset-cpus", s.cpuset);
  const pids = s.pids_limit ?? limits?.pids;
  if (pids !== undefined) add("pids-limit", pids);
  if (s.shm_size !== undefined) add("shm-size", s.shm_size);
  for (const [name, l] of Object.entries(s.ulimits ?? {})) add("ulimit", typeof l === "object" ? `${name}=${l.soft}:${l.hard}` : `${name}=${l}`);
  for (const t of s.tmpfs === undefined ? [] : ([] as string[]).concat(s.tmpfs)) add("tmpfs", t);
  for (const d of s.devices ?? []) add("device", d);
  if (s.stop_signal) add("stop-signal", s.stop_signal);
  if (s.stop_grace_period !== undefined) add("stop-timeout", seconds(s.stop_grace_period));
  const hosts = Array.isArray(s.extra_hosts) ? s.extra_hosts.map((h) => h.replace("=", ":")) : Object.entries(s.extra_hosts ?? {}).map(([h, ip]) => `${h}:${ip}`);
  for (const h of hosts) add("add-host", h);
  for (const d of s.dns === undefined ? [] : ([] as string[]).concat(s.dns)) add("dns", d);
  for (const d of s.dns_search === undefined ? [] : ([] as string[]).concat(s.dns_search)) add("dns-search", d);
  for (const o of s.dns_opt ?? []) add("dns-option", o);
  if (s.restart) add("restart", s.restart);
  if (s.logging?.driver) add("log-driver", s.logging.driver);
  for (const [k, v] of Object.entries(s.logging?.options ?? {})) add("log-opt", `${k}=${v}`);
  if (s.oom_score_adj !== undefined) add("oom-score-adj", s.oom_score_adj);
  if (s.platform) add("platform", s.platform);
  if (s.userns_mode) add("userns", s.userns_mode);
  add("pull", "never"); // `up` pulls (or builds) first, with progress for the whole project

  const entrypoint = asWords(s.entrypoint);
  const command = asWords(s.command) ?? [];
  args.push(serviceImage(project, service, s), ...command);
  return {
    args,
    healthcheck: healthConfig(s.healthcheck),
    entrypoint,
    extraNetworks: nets.slice(1).map((n) => ({ name: networkName(project, n.key), aliases: n.aliases })),
    configHash: hash,
  };
}
