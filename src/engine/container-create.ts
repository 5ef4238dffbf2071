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

export const HealthConfigSchema = z.object({
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
export const ContainerConfigSchema = z.object({
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

export const PortBindingSchema = z.object({ HostIp: z.string().nullish().transform((v) => v ?? ""), HostPort: z.string().nullish().transform((v) => v ?? "") });
export const PortMapSchema = z.record(z.array(PortBindingSchema).nullable());

export const RestartPolicySchema = z.object({
  Name: z.enum(["", "no", "always", "unless-stopped", "on-failure"]),
  MaximumRetryCount: z.number().int().nullish().transform((v) => v ?? 0),
});

export const LogConfigSchema = z.object({ Type: z.string().nullish().transform((v) => v ?? ""), Config: z.record(z.string()).nullish().transform((v) => v ?? {}) });

export const DeviceMappingSchema = z.object({ PathOnHost: z.string(), PathInContainer: z.string(), CgroupPermissions: z.string() });
export const UlimitSchema = z.object({ Name: z.string(), Soft: z.number().int(), Hard: z.number().int() });
/** bunker's private user namespace (podman's --uidmap), in the OCI spec's shape. */
export const IdMappingSchema = z.object({ containerID: z.number().int().nonnegative(), hostID: z.number().int().nonnegative(), size: z.number().int().positive() });

/** mount.Mount, as HostConfig.Mounts takes it. */
export const MountSchema = z.object({
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
export const HostConfigSchema = z.object({
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

export const EndpointSettingsSchema = z.object({
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

export const NetworkingConfigSchema = z.object({ EndpointsConfig: z.record(EndpointSettingsSchema.nullable()).nullish() });

/** The POST /containers/create body: Config's fields at the top, HostConfig and NetworkingConfig beside them. */
export const ContainerCreateSchema = ContainerConfigSchema.extend({
  HostConfig: HostConfigSchema.nullish(),
  NetworkingConfig: NetworkingConfigSchema.nullish(),
});

export type HealthConfig = z.infer<typeof HealthConfigSchema>;
export type ContainerConfig = z.infer<typeof ContainerConfigSchema>;
export type HostConfig = z.infer<typeof HostConfigSchema>;
export type NetworkingConfig = z.infer<typeof NetworkingConfigSchema>;
export type EndpointSettings = z.infer<typeof EndpointSettingsSchema>;
export type ContainerCreateBody = z.infer<typeof ContainerCreateSchema>;
/** What a front door may hand in: the schema's input (a PortBinding's HostIp may be left out, and so on). */
export type ContainerCreateInput = z.input<typeof ContainerCreateSchema>;
export type MountConfig = z.infer<typeof MountSchema>;
export type DeviceMapping = z.infer<typeof DeviceMappingSchema>;
export type Ulimit = z.infer<typeof UlimitSchema>;
export type RestartPolicy = z.infer<typeof RestartPolicySchema>;
export type LogConfig = z.infer<typeof LogConfigSchema>;
export type PortBinding = z.infer<typeof PortBindingSchema>;
export type PortMap = z.infer<typeof PortMapSchema>;

/** Where a zod issue is, as dockerd's JSON decoder names it: "HostConfig.Memory". */
const issuePath = (path: (string | number)[]) => path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").slice(1);

/** The body, typed; anything else is one line naming the field (dockerd answers a bad body with 400). */
export function parseCreateBody(body: unknown): ContainerCreateBody {
  const r = ContainerCreateSchema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issuePath(issue.path);
  throw new BunkerError(`invalid container config${where ? ` at ${where}` : ""}: ${issue.message}`);
}
