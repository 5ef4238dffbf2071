// The one input of `create`: the Engine API's ContainerCreate body (moby's
// container.CreateRequest for API 1.50: the Config fields, HostConfig and
// NetworkingConfig), as a zod schema with its TypeScript types. The CLI turns
// flags into it, compose a service, the build a RUN step, and the API takes it
// as sent; createContainer (create-container.ts) checks it and stores a record
// whose Config and HostConfig are these types with create's defaults filled in.
//
// Values are typed (bytes, nanoseconds, objects), never flag text. The strings
// the API itself defines as strings (Binds "src:dst:mode", VolumesFrom, Links,
// ExtraHosts, SecurityOpt, Tmpfs options) are read by the engine, as dockerd does.
// Unknown fields are dropped, as Go's decoder does; fields bunker does not
// implement are accepted when they hold their zero value (clients send them all).
import { z } from "zod";
import { BunkerError } from "../lib/errors.ts";

// The schemas are built on first use: only a body from outside (the API's JSON) needs them,
// and building them costs every `run` that would not.
function buildSchemas() {
  // Go's zero values arrive as null (nil slices and maps) as often as absent.
  const str = z.string().nullish();
  const int = z.number().int().nullish();
  const bool = z.boolean().nullish();
  const strings = z.array(z.string()).nullish();
  const stringMap = z.record(z.string()).nullish();
  /** ExposedPorts and Volumes: keys with empty objects. */
  const keySet = z.record(z.object({})).nullish();
  /** Left out when unset: null reads as absent. */
  const absent = <T extends z.ZodTypeAny>(t: T) => t.nullish().transform((v): z.output<T> | undefined => v ?? undefined);

  const HealthConfigSchema = z.object({
    /** [] inherits the image's; ["NONE"] disables; ["CMD", arg...] or ["CMD-SHELL", command]. */
    Test: absent(z.array(z.string())),
    /** Nanoseconds; 0 means "the default". */
    Interval: absent(z.number().int()),
    Timeout: absent(z.number().int()),
    StartPeriod: absent(z.number().int()),
    StartInterval: absent(z.number().int()),
    Retries: absent(z.number().int()),
  });

  /** Config: what the container is, independent of the host. */
  const ContainerConfigSchema = z.object({
    Hostname: str,
    Domainname: str,
    User: str,
    AttachStdin: bool,
    AttachStdout: bool,
    AttachStderr: bool,
    ExposedPorts: keySet,
    Tty: bool,
    OpenStdin: bool,
    StdinOnce: bool,
    Env: strings,
    Cmd: strings,
    Healthcheck: HealthConfigSchema.nullish(),
    ArgsEscaped: bool,
    Image: z.string(),
    Volumes: keySet,
    WorkingDir: str,
    /** null or absent: the image's; [] or [""]: none. */
    Entrypoint: strings,
    NetworkDisabled: bool,
    /** Deprecated since API 1.44 in favour of the endpoint's MacAddress; still taken. */
    MacAddress: str,
    OnBuild: strings,
    Labels: stringMap,
    StopSignal: str,
    /** Seconds `stop` waits before SIGKILL. */
    StopTimeout: int,
    Shell: strings,
  });

  const PortBindingSchema = z.object({ HostIp: z.string().nullish().transform((v) => v ?? ""), HostPort: z.string().nullish().transform((v) => v ?? "") });
  const PortMapSchema = z.record(z.array(PortBindingSchema).nullable());

  const RestartPolicySchema = z.object({
    Name: z.enum(["", "no", "always", "unless-stopped", "on-failure"]),
    MaximumRetryCount: z.number().int().nullish().transform((v) => v ?? 0),
  });

  const LogConfigSchema = z.object({ Type: z.string().nullish().transform((v) => v ?? ""), Config: z.record(z.string()).nullish().transform((v) => v ?? {}) });

  const DeviceMappingSchema = z.object({ PathOnHost: z.string(), PathInContainer: z.string(), CgroupPermissions: z.string() });
  const UlimitSchema = z.object({ Name: z.string(), Soft: z.number().int(), Hard: z.number().int() });
  /** bunker's private user namespace (podman's --uidmap), in the OCI spec's shape. */
  const IdMappingSchema = z.object({ containerID: z.number().int().nonnegative(), hostID: z.number().int().nonnegative(), size: z.number().int().positive() });

  /** mount.Mount, as HostConfig.Mounts takes it. */
  const MountSchema = z.object({
    Type: z.enum(["bind", "volume", "tmpfs"], { errorMap: () => ({ message: "mount type must be bind, volume or tmpfs" }) }),
    Source: z.string().optional(),
    Target: z.string(),
    ReadOnly: z.boolean().optional(),
    Consistency: z.string().optional(),
    BindOptions: z.object({ Propagation: z.string().optional() }).optional(),
    VolumeOptions: z
      .object({
        NoCopy: z.boolean().optional(),
        Labels: z.record(z.string()).optional(),
        DriverConfig: z.object({ Name: z.string().optional(), Options: z.record(z.string()).optional() }).optional(),
      })
      .optional(),
    TmpfsOptions: z.object({ SizeBytes: z.number().int().optional(), Mode: z.number().int().optional() }).optional(),
  });

  /** HostConfig: how the host runs it (Resources inline, as in moby). */
  const HostConfigSchema = z.object({
    Binds: strings,
    ContainerIDFile: str,
    LogConfig: LogConfigSchema.nullish(),
    NetworkMode: str,
    PortBindings: PortMapSchema.nullish(),
    RestartPolicy: RestartPolicySchema.nullish(),
    AutoRemove: bool,
    VolumeDriver: str,
    VolumesFrom: strings,
    ConsoleSize: z.array(z.number().int()).nullish(),
    Annotations: stringMap,
    CapAdd: strings,
    CapDrop: strings,
    CgroupnsMode: str,
    Dns: strings,
    DnsOptions: strings,
    DnsSearch: strings,
    ExtraHosts: strings,
    GroupAdd: strings,
    IpcMode: str,
    Cgroup: str,
    Links: strings,
    OomScoreAdj: int,
    PidMode: str,
    Privileged: bool,
    PublishAllPorts: bool,
    ReadonlyRootfs: bool,
    SecurityOpt: strings,
    StorageOpt: stringMap,
    Tmpfs: stringMap,
    UTSMode: str,
    UsernsMode: str,
    /** bunker's (podman's) private user namespace; not in dockerd's API. */
    UidMap: z.array(IdMappingSchema).nullish(),
    GidMap: z.array(IdMappingSchema).nullish(),
    ShmSize: int,
    Sysctls: stringMap,
    Runtime: str,
    Isolation: str,
    // Resources
    CpuShares: int,
    Memory: int,
    NanoCpus: int,
    CgroupParent: str,
    BlkioWeight: int,
    CpuPeriod: int,
    CpuQuota: int,
    CpuRealtimePeriod: int,
    CpuRealtimeRuntime: int,
    CpusetCpus: str,
    CpusetMems: str,
    Devices: z.array(DeviceMappingSchema).nullish(),
    DeviceCgroupRules: strings,
    MemoryReservation: int,
    MemorySwap: int,
    MemorySwappiness: int,
    OomKillDisable: bool,
    PidsLimit: int,
    Ulimits: z.array(UlimitSchema).nullish(),
    CpuCount: int,
    CpuPercent: int,
    IOMaximumIOps: int,
    IOMaximumBandwidth: int,
    Mounts: z.array(MountSchema).nullish(),
    MaskedPaths: strings,
    ReadonlyPaths: strings,
    Init: bool,
  });

  const EndpointSettingsSchema = z.object({
    IPAMConfig: z.object({ IPv4Address: str, IPv6Address: str, LinkLocalIPs: strings }).nullish(),
    Links: strings,
    Aliases: strings,
    MacAddress: str,
    DriverOpts: stringMap,
    GwPriority: int,
    NetworkID: str,
    EndpointID: str,
    Gateway: str,
    IPAddress: str,
    IPPrefixLen: int,
    IPv6Gateway: str,
    GlobalIPv6Address: str,
    GlobalIPv6PrefixLen: int,
    DNSNames: strings,
  });

  const NetworkingConfigSchema = z.object({ EndpointsConfig: z.record(EndpointSettingsSchema.nullable()).nullish() });

  /** The POST /containers/create body: Config's fields at the top, HostConfig and NetworkingConfig beside them. */
  const ContainerCreateSchema = ContainerConfigSchema.extend({
    HostConfig: HostConfigSchema.nullish(),
    NetworkingConfig: NetworkingConfigSchema.nullish(),
  });
  return { HealthConfigSchema, ContainerConfigSchema, PortBindingSchema, PortMapSchema, RestartPolicySchema, LogConfigSchema, DeviceMappingSchema, UlimitSchema, IdMappingSchema, MountSchema, HostConfigSchema, EndpointSettingsSchema, NetworkingConfigSchema, ContainerCreateSchema };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
type Schemas = ReturnType<typeof buildSchemas>;

export type HealthConfig = z.infer<Schemas["HealthConfigSchema"]>;
export type ContainerConfig = z.infer<Schemas["ContainerConfigSchema"]>;
export type HostConfig = z.infer<Schemas["HostConfigSchema"]>;
export type NetworkingConfig = z.infer<Schemas["NetworkingConfigSchema"]>;
export type EndpointSettings = z.infer<Schemas["EndpointSettingsSchema"]>;
export type ContainerCreateBody = z.infer<Schemas["ContainerCreateSchema"]>;
/** What a front door may hand in: the schema's input (a PortBinding's HostIp may be left out, and so on). */
export type ContainerCreateInput = z.input<Schemas["ContainerCreateSchema"]>;
export type MountConfig = z.infer<Schemas["MountSchema"]>;
export type DeviceMapping = z.infer<Schemas["DeviceMappingSchema"]>;
export type Ulimit = z.infer<Schemas["UlimitSchema"]>;
export type RestartPolicy = z.infer<Schemas["RestartPolicySchema"]>;
export type LogConfig = z.infer<Schemas["LogConfigSchema"]>;
export type PortBinding = z.infer<Schemas["PortBindingSchema"]>;
export type PortMap = z.infer<Schemas["PortMapSchema"]>;

/** Where a zod issue is, as dockerd's JSON decoder names it: "HostConfig.Memory". */
const issuePath = (path: (string | number)[]) => path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").slice(1);

/**
 * Bodies bunker's own front doors built (the CLI's flags, a compose service, a
 * build step): typed already, so create takes them without zod, whose first
 * parse of this schema costs a `run` more than the rest of its create. A body
 * from outside (the API's JSON) is always parsed.
 */
const builtBodies = new WeakSet<object>();

/** BODY as the schema would give it back (its few defaults filled in), marked as built by a front door. */
export function builtBody<T extends ContainerCreateInput>(body: T): T {
  const hc = body.HostConfig;
  const health = body.Healthcheck;
  const built = {
    ...body,
    ...(health ? { Healthcheck: Object.fromEntries(Object.entries(health).map(([k, v]) => [k, v ?? undefined])) } : {}),
    ...(hc
      ? {
          HostConfig: {
            ...hc,
            ...(hc.PortBindings ? { PortBindings: Object.fromEntries(Object.entries(hc.PortBindings).map(([port, list]) => [port, list?.map((b) => ({ HostIp: b.HostIp ?? "", HostPort: b.HostPort ?? "" })) ?? null])) } : {}),
            ...(hc.RestartPolicy ? { RestartPolicy: { ...hc.RestartPolicy, MaximumRetryCount: hc.RestartPolicy.MaximumRetryCount ?? 0 } } : {}),
            ...(hc.LogConfig ? { LogConfig: { Type: hc.LogConfig.Type ?? "", Config: hc.LogConfig.Config ?? {} } } : {}),
          },
        }
      : {}),
  } as T;
  builtBodies.add(built);
  return built;
}

/** The body, typed; anything else is one line naming the field (dockerd answers a bad body with 400). */
export function parseCreateBody(body: unknown): ContainerCreateBody {
  if (typeof body === "object" && body !== null && builtBodies.has(body)) return body as ContainerCreateBody;
  const r = (schemas ??= buildSchemas()).ContainerCreateSchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issuePath(issue.path);
  throw new BunkerError(`invalid container config${where ? ` at ${where}` : ""}: ${issue.message}`);
}
