// The OCI image configuration (also Docker's), validated with zod when read.
import { z } from "zod";

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);

export const ContainerConfigSchema = z
  .object({
    User: z.string(),
    ExposedPorts: z.record(z.object({}).passthrough()).nullable(),
    Env: z.array(z.string()).nullable(),
    Entrypoint: z.array(z.string()).nullable(),
    Cmd: z.array(z.string()).nullable(),
    Volumes: z.record(z.object({}).passthrough()).nullable(),
    WorkingDir: z.string(),
    Labels: z.record(z.string()).nullable(),
    StopSignal: z.string(),
    Healthcheck: z
      .object({ Test: z.array(z.string()), Interval: z.number(), Timeout: z.number(), StartPeriod: z.number(), Retries: z.number() })
      .partial(),
  })
  .partial()
  .passthrough();

export const ImageConfigSchema = z
  .object({
    created: z.string().optional(),
    author: z.string().optional(),
    architecture: z.string(),
    os: z.string(),
    variant: z.string().optional(),
    config: ContainerConfigSchema.optional(),
    rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(digest) }),
    history: z
      .array(
        z
          .object({
            created: z.string().optional(),
            created_by: z.string().optional(),
            comment: z.string().optional(),
            empty_layer: z.boolean().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

export type ContainerConfig = z.infer<typeof ContainerConfigSchema>;
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

/** Docker's architecture names for the host. */
export function hostArchitecture(): string {
  const map: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", ia32: "386" };
  return map[process.arch] ?? process.arch;
}
