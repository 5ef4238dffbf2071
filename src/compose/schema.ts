// The compose file's shape (the Compose Specification), checked strictly: a
// key bunker does not know is reported with its path, never ignored. `x-`
// extension keys are allowed wherever the specification allows them.
import { z } from "zod";

const str = z.string();
const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]);
const bool = z.union([z.boolean(), z.enum(["true", "false", "yes", "no"])]);
const strList = z.array(str);
const strOrList = z.union([str, strList]);
/** environment, labels, build args…: a map, or a list of KEY=VALUE (or bare KEY). */
const mapOrList = z.union([z.record(z.union([str, z.number(), z.boolean(), z.null()])), strList]);
const duration = z.union([str, z.number()]);

/** A strict object whose `x-` keys are extensions (kept out of the model). */
function strictWithExtensions<T extends z.ZodRawShape>(shape: T) {
  return z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (!(key in shape) && !key.startsWith("x-")) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: "unknown key" });
      }
    });
}

const healthcheck = strictWithExtensions({
  test: strOrList.optional(),
  interval: duration.optional(),
  timeout: duration.optional(),
  retries: num.optional(),
  start_period: duration.optional(),
  start_interval: duration.optional(),
  disable: bool.optional(),
});

const build = z.union([
  str,
  strictWithExtensions({
    context: str.optional(),
    dockerfile: str.optional(),
    dockerfile_inline: str.optional(),
    args: mapOrList.optional(),
    target: str.optional(),
    labels: mapOrList.optional(),
    network: str.optional(),
    entitlements: strList.optional(),
    no_cache: bool.optional(),
    pull: bool.optional(),
    tags: strList.optional(),
    platforms: strList.optional(),
  }),
]);

const port = z.union([
  str,
  z.number(),
  strictWithExtensions({
    target: num,
    published: z.union([str, z.number()]).optional(),
    host_ip: str.optional(),
    protocol: str.optional(),
    mode: str.optional(),
    name: str.optional(),
    app_protocol: str.optional(),
  }),
]);

const serviceVolume = z.union([
  str,
  strictWithExtensions({
    type: z.enum(["bind", "volume", "tmpfs"]),
    source: str.optional(),
    target: str,
    read_only: bool.optional(),
    consistency: str.optional(),
    bind: strictWithExtensions({ propagation: str.optional(), create_host_path: bool.optional(), selinux: str.optional() }).optional(),
    volume: strictWithExtensions({ nocopy: bool.optional(), subpath: str.optional() }).optional(),
    tmpfs: strictWithExtensions({ size: z.union([str, z.number()]).optional(), mode: z.union([str, z.number()]).optional() }).optional(),
  }),
]);

const dependsOn = z.union([
  strList,
  z.record(
    strictWithExtensions({
      condition: z.enum(["service_started", "service_healthy", "service_completed_successfully"]).optional(),
      restart: bool.optional(),
      required: bool.optional(),
    }),
  ),
]);

const serviceNetworks = z.union([
  strList,
  z.record(
    z.union([
      z.null(),
      strictWithExtensions({
        aliases: strList.optional(),
        ipv4_address: str.optional(),
        ipv6_address: str.optional(),
        mac_address: str.optional(),
        priority: z.number().optional(),
      }),
    ]),
  ),
]);

const ulimits = z.record(z.union([num, strictWithExtensions({ soft: num, hard: num })]));

const deploy = strictWithExtensions({
  replicas: num.optional(),
  resources: z
    .object({
      limits: z.object({ cpus: z.union([str, z.number()]).optional(), memory: str.optional(), pids: num.optional() }).partial().optional(),
      reservations: z.object({ cpus: z.union([str, z.number()]).optional(), memory: str.optional() }).partial().optional(),
    })
    .optional(),
  restart_policy: z.object({ condition: str.optional(), max_attempts: num.optional(), delay: duration.optional(), window: duration.optional() }).optional(),
});

export const ServiceSchema = strictWithExtensions({
  image: str.optional(),
  build: build.optional(),
  command: z.union([strOrList, z.null()]).optional(),
  entrypoint: z.union([strOrList, z.null()]).optional(),
  environment: mapOrList.optional(),
  env_file: z.union([str, z.array(z.union([str, z.object({ path: str, required: bool.optional() })]))]).optional(),
  ports: z.array(port).optional(),
  expose: z.array(z.union([str, z.number()])).optional(),
  volumes: z.array(serviceVolume).optional(),
  volumes_from: strList.optional(),
  links: strList.optional(),
  secrets: z
    .array(z.union([str, strictWithExtensions({ source: str, target: str.optional(), uid: str.optional(), gid: str.optional(), mode: num.optional() })]))
    .optional(),
  networks: serviceNetworks.optional(),
  network_mode: str.optional(),
  depends_on: dependsOn.optional(),
  healthcheck: healthcheck.optional(),
  restart: str.optional(),
  container_name: str.optional(),
  hostname: str.optional(),
  domainname: str.optional(),
  working_dir: str.optional(),
  user: str.optional(),
  labels: mapOrList.optional(),
  init: bool.optional(),
  read_only: bool.optional(),
  privileged: bool.optional(),
  cap_add: strList.optional(),
  cap_drop: strList.optional(),
  security_opt: strList.optional(),
  mem_limit: z.union([str, z.number()]).optional(),
  memswap_limit: z.union([str, z.number()]).optional(),
  mem_reservation: z.union([str, z.number()]).optional(),
  cpus: z.union([str, z.number()]).optional(),
  cpu_shares: num.optional(),
  cpuset: str.optional(),
  pids_limit: num.optional(),
  shm_size: z.union([str, z.number()]).optional(),
  ulimits: ulimits.optional(),
  tmpfs: strOrList.optional(),
  devices: strList.optional(),
  stop_signal: str.optional(),
  stop_grace_period: duration.optional(),
  extra_hosts: mapOrList.optional(),
  dns: strOrList.optional(),
  dns_search: strOrList.optional(),
  dns_opt: z.array(z.string()).optional(),
  tty: bool.optional(),
  stdin_open: bool.optional(),
  deploy: deploy.optional(),
  scale: num.optional(),
  profiles: strList.optional(),
  extends: z.union([str, strictWithExtensions({ service: str, file: str.optional() })]).optional(),
  platform: str.optional(),
  pull_policy: z.enum(["always", "never", "missing", "if_not_present", "build"]).optional(),
  oom_score_adj: num.optional(),
  userns_mode: str.optional(),
  logging: strictWithExtensions({ driver: str.optional(), options: z.record(z.union([str, z.number()])).optional() }).optional(),
});

/** What top-level networks and volumes share. */
const resourceFields = {
  name: str.optional(),
  driver: str.optional(),
  driver_opts: z.record(z.union([str, z.number()])).optional(),
  external: z.union([bool, z.object({ name: str })]).optional(),
  labels: mapOrList.optional(),
};

const network = z.union([
  z.null(),
  strictWithExtensions({
    ...resourceFields,
    internal: bool.optional(),
    attachable: bool.optional(),
    enable_ipv6: bool.optional(),
    ipam: z
      .object({
        driver: str.optional(),
        config: z.array(z.object({ subnet: str.optional(), gateway: str.optional(), ip_range: str.optional() }).partial()).optional(),
      })
      .optional(),
  }),
]);

const volume = z.union([z.null(), strictWithExtensions(resourceFields)]);

const include = z.array(
  z.union([
    str,
    strictWithExtensions({ path: strOrList, project_directory: str.optional(), env_file: strOrList.optional() }),
  ]),
);

export const ComposeFileSchema = strictWithExtensions({
  version: z.union([str, z.number()]).optional(), // obsolete, accepted and ignored as docker compose does
  name: str.optional(),
  include: include.optional(),
  services: z.record(z.union([ServiceSchema, z.null()])).optional(),
  networks: z.record(network).optional(),
  volumes: z.record(volume).optional(),
  secrets: z.record(strictWithExtensions({ file: str.optional(), environment: str.optional(), external: bool.optional(), name: str.optional() })).optional(),
  configs: z.record(z.unknown()).optional(),
});

export type ServiceSpec = z.infer<typeof ServiceSchema>;
export type ComposeFile = z.infer<typeof ComposeFileSchema>;

/** The most specific problem (the one deepest inside a union that failed), for the one-line error. */
export function deepestIssue(issues: z.ZodIssue[]): z.ZodIssue {
  let best = issues[0];
  for (const issue of issues) {
    const candidate = issue.code === z.ZodIssueCode.invalid_union ? deepestIssue(issue.unionErrors.flatMap((e) => e.issues)) : issue;
    if (candidate.path.length > best.path.length || (best.code === z.ZodIssueCode.invalid_union && candidate.code !== best.code)) best = candidate;
  }
  return best;
}

/** "services.web.ports[0]: …" */
export function describeIssue(issue: z.ZodIssue): string {
  const path = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
  if (issue.message === "unknown key") {
    const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "(root)";
    return `${parent}: additional property ${String(issue.path.at(-1))} is not allowed`;
  }
  return `${path || "the file"}: ${issue.message}`;
}
