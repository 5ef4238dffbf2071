// The OCI runtime spec (config.json): the seam between engine and runtime.
// The engine writes one per container; the runtime only executes such bundles.
import { z } from "zod";

export const MountSchema = z.object({
  destination: z.string().startsWith("/"),
  type: z.string().optional(),
  source: z.string().optional(),
  options: z.array(z.string()).optional(),
});

export const NamespaceSchema = z.object({
  type: z.enum(["pid", "network", "mount", "ipc", "uts", "user", "cgroup"]),
  path: z.string().optional(),
});

/** linux.resources, with the runtime-spec's field names; absent fields leave the kernel's defaults. */
export const ResourcesSchema = z.object({
  /** The device cgroup's rules in order: a later rule overrides an earlier one. */
  devices: z
    .array(
      z.object({
        allow: z.boolean(),
        type: z.enum(["a", "c", "b"]).optional(),
        major: z.number().int().optional(),
        minor: z.number().int().optional(),
        access: z.string().optional(),
      }),
    )
    .optional(),
  /** Bytes; swap is memory plus swap, as in cgroup v1 (-1: unlimited). */
  memory: z.object({ limit: z.number().int().optional(), reservation: z.number().int().optional(), swap: z.number().int().optional() }).optional(),
  cpu: z
    .object({
      shares: z.number().int().optional(),
      quota: z.number().int().optional(),
      period: z.number().int().optional(),
      cpus: z.string().optional(),
      mems: z.string().optional(),
    })
    .optional(),
  /** 0 or -1: unlimited. */
  pids: z.object({ limit: z.number().int() }).optional(),
});

const CapabilityList = z.array(z.string().startsWith("CAP_")).optional();

/** OCI linux.seccomp: what the runtime compiles to a BPF filter. */
export const SeccompSchema = z.object({
  defaultAction: z.string(),
  defaultErrnoRet: z.number().int().optional(),
  architectures: z.array(z.string()).optional(),
  flags: z.array(z.string()).optional(),
  syscalls: z
    .array(
      z.object({
        names: z.array(z.string()),
        action: z.string(),
        errnoRet: z.number().int().optional(),
        args: z.array(z.object({ index: z.number().int(), value: z.number(), valueTwo: z.number().optional(), op: z.string() })).optional(),
      }),
    )
    .optional(),
});

/** One line of a user namespace's uid_map or gid_map: SIZE ids from CONTAINERID inside are HOSTID... outside. */
export const IdMappingSchema = z.object({ containerID: z.number().int().min(0), hostID: z.number().int().min(0), size: z.number().int().min(1) });

export const RuntimeSpecSchema = z.object({
  ociVersion: z.string(),
  process: z.object({
    terminal: z.boolean().optional(),
    user: z.object({ uid: z.number().int(), gid: z.number().int(), additionalGids: z.array(z.number().int()).optional(), umask: z.number().int().optional() }),
    args: z.array(z.string()).min(1),
    env: z.array(z.string()).optional(),
    cwd: z.string().startsWith("/"),
    // Absent sets are empty; absent capabilities leave the runtime's own (as runc).
    capabilities: z
      .object({ bounding: CapabilityList, effective: CapabilityList, permitted: CapabilityList, inheritable: CapabilityList, ambient: CapabilityList })
      .optional(),
    noNewPrivileges: z.boolean().optional(),
    // RLIM_INFINITY (2^64-1) is not exact in JSON: a value of 2^63 or more means unlimited.
    rlimits: z.array(z.object({ type: z.string().startsWith("RLIMIT_"), hard: z.number(), soft: z.number() })).optional(),
    oomScoreAdj: z.number().int().min(-1000).max(1000).optional(),
  }),
  root: z.object({ path: z.string(), readonly: z.boolean().optional() }),
  hostname: z.string().optional(),
  domainname: z.string().optional(),
  mounts: z.array(MountSchema).optional(),
  annotations: z.record(z.string()).optional(),
  linux: z.object({
    namespaces: z.array(NamespaceSchema),
    cgroupsPath: z.string().optional(),
    maskedPaths: z.array(z.string()).optional(),
    readonlyPaths: z.array(z.string()).optional(),
    seccomp: SeccompSchema.optional(),
    devices: z
      .array(z.object({ path: z.string(), type: z.enum(["c", "b", "u", "p"]), major: z.number(), minor: z.number(), fileMode: z.number().optional() }))
      .optional(),
    resources: ResourcesSchema.optional(),
    // With a "user" namespace: its maps, which the runtime's parent writes before the container's process runs.
    uidMappings: z.array(IdMappingSchema).optional(),
    gidMappings: z.array(IdMappingSchema).optional(),
  }),
});

export type RuntimeSpec = z.infer<typeof RuntimeSpecSchema>;
export type SpecMount = z.infer<typeof MountSchema>;
export type SpecSeccomp = z.infer<typeof SeccompSchema>;
export type LinuxResources = z.infer<typeof ResourcesSchema>;
export type IdMapping = z.infer<typeof IdMappingSchema>;
export type DeviceRule = NonNullable<LinuxResources["devices"]>[number];

