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

export const RuntimeSpecSchema = z.object({
  ociVersion: z.string(),
  process: z.object({
    terminal: z.boolean().optional(),
    user: z.object({ uid: z.number().int(), gid: z.number().int(), additionalGids: z.array(z.number().int()).optional(), umask: z.number().int().optional() }),
    args: z.array(z.string()).min(1),
    env: z.array(z.string()).optional(),
    cwd: z.string().startsWith("/"),
  }),
  root: z.object({ path: z.string(), readonly: z.boolean().optional() }),
  hostname: z.string().optional(),
  mounts: z.array(MountSchema).optional(),
  annotations: z.record(z.string()).optional(),
  linux: z.object({
    namespaces: z.array(NamespaceSchema),
    cgroupsPath: z.string().optional(),
    maskedPaths: z.array(z.string()).optional(),
    readonlyPaths: z.array(z.string()).optional(),
    devices: z
      .array(z.object({ path: z.string(), type: z.enum(["c", "b", "u", "p"]), major: z.number(), minor: z.number(), fileMode: z.number().optional() }))
      .optional(),
  }),
});

export type RuntimeSpec = z.infer<typeof RuntimeSpecSchema>;
export type SpecMount = z.infer<typeof MountSchema>;

/** Annotation carrying the overlay options: the runtime mounts the rootfs inside the container's own mount namespace, so nothing leaks onto the host. */
export const OVERLAY_ANNOTATION = "io.bunker.rootfs.overlay";
