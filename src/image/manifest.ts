// Image manifests and indexes: Docker schema2 and OCI, validated with zod when
// they arrive (they are untrusted input), plus platform selection for indexes.
import { z } from "zod";
import { BunkerError } from "../lib/errors.ts";
import { hostArchitecture } from "./config.ts";
import { firstIssue, parseJsonBytes } from "./json.ts";

export const MEDIA = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
} as const;

/** Index annotations that name an image: OCI's (a tag, or a whole reference) and containerd's (a whole reference). */
export const ANNOTATION = {
  refName: "org.opencontainers.image.ref.name",
  containerdName: "io.containerd.image.name",
} as const;

/** What a pull asks a registry for, best first. */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest];

/** Manifests and configs larger than this are refused: they are held in memory. */
export const MAX_MANIFEST_BYTES = 4 << 20;

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/, "invalid digest");

export const DescriptorSchema = z
  .object({
    mediaType: z.string(),
    digest,
    size: z.number().int().nonnegative(),
    urls: z.array(z.string()).optional(),
    platform: z
      .object({ architecture: z.string(), os: z.string(), variant: z.string().optional(), "os.version": z.string().optional() })
      .passthrough()
      .optional(),
    annotations: z.record(z.string()).optional(),
  })
  .passthrough();

export const ManifestSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    config: DescriptorSchema,
    layers: z.array(DescriptorSchema),
    annotations: z.record(z.string()).optional(),
  })
  .passthrough();

export const IndexSchema = z
  .object({
    schemaVersion: z.literal(2),
    mediaType: z.string().optional(),
    manifests: z.array(DescriptorSchema),
  })
  .passthrough();

export type Descriptor = z.infer<typeof DescriptorSchema>;
export type Manifest = z.infer<typeof ManifestSchema>;
export type ImageIndexManifest = z.infer<typeof IndexSchema>;

export type ParsedManifest = { kind: "manifest"; manifest: Manifest } | { kind: "index"; index: ImageIndexManifest };

/** Parses manifest bytes; the media type comes from the registry or the document itself. */
export function parseManifest(bytes: Uint8Array, mediaType?: string): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new BunkerError(`manifest is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`);
  const json = parseJsonBytes(bytes, () => new BunkerError("invalid manifest: not JSON"));
  const type = mediaType || (json as { mediaType?: string })?.mediaType || "";
  const isIndex = type === MEDIA.ociIndex || type === MEDIA.dockerList || (!type && Array.isArray((json as { manifests?: unknown })?.manifests));
  if (isIndex) {
    const r = IndexSchema.safeParse(json);
    if (!r.success) throw new BunkerError(`invalid image index: ${firstIssue(r.error)}`);
    return { kind: "index", index: r.data };
  }
  if (type && type !== MEDIA.ociManifest && type !== MEDIA.dockerManifest) throw new BunkerError(`unsupported manifest type ${type}`);
  const r = ManifestSchema.safeParse(json);
  if (!r.success) throw new BunkerError(`invalid manifest: ${firstIssue(r.error)}`);
  return { kind: "manifest", manifest: r.data };
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function hostPlatform(): Platform {
  return { os: "linux", architecture: hostArchitecture() };
}

/** "linux/arm64/v8" -> a platform; Docker's short forms work too. */
export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split("/");
  if (!os || !architecture) throw new BunkerError(`invalid platform "${s}": use os/arch[/variant], e.g. linux/amd64`);
  return { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** The index entry for the platform: exact variant first, then any variant of that architecture. */
export function selectPlatform(index: ImageIndexManifest, want: Platform): Descriptor {
  const candidates = index.manifests.filter((m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture);
  const exact = candidates.find((m) => (m.platform?.variant ?? "") === (want.variant ?? ""));
  const chosen = exact ?? (want.variant ? undefined : candidates[0]);
  if (!chosen) {
    const offered = index.manifests.map((m) => (m.platform ? formatPlatform(m.platform as Platform) : "unknown")).join(", ");
    throw new BunkerError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries (available: ${offered})`);
  }
  return chosen;
}

/** The layer's compression, from its media type. */
export function layerCompression(mediaType: string): "gzip" | "zstd" | "none" {
  if (mediaType.endsWith("+zstd") || mediaType.endsWith(".zstd")) return "zstd";
  if (mediaType.endsWith("gzip")) return "gzip";
  return "none";
}
