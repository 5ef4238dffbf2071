// What images an unpacked archive holds, in either layout `load` accepts:
//   docker-archive  manifest.json: [{Config, RepoTags, Layers}], paths inside the archive
//                   ("<id>/layer.tar" classic, "<hex>.tar" podman, "blobs/sha256/<hex>" docker 25+);
//   OCI layout      oci-layout + index.json; entries (indexes may nest) are named by their
//                   io.containerd.image.name or org.opencontainers.image.ref.name annotation.
// Everything read here is untrusted: configs and manifests are validated with the
// zod schemas, and blobs named by digest must hash to it. Layers are checked
// against the config's diff_ids when they are ingested.
import { z } from "zod";
import { BunkerError } from "../lib/errors.ts";
import type { UnpackedArchive } from "./archive-extract.ts";
import { type ImageConfig, ImageConfigSchema } from "./config.ts";
import { digestHex, sha256 } from "./digest.ts";
import { type Descriptor, hostPlatform, MAX_MANIFEST_BYTES, MEDIA, parseManifest, selectPlatform } from "./manifest.ts";
import { canonical, parseReference } from "./reference.ts";
import type { BlobDescriptor } from "./store.ts";

export interface ArchivedLayer {
  /** The layer's file in the unpacked archive (tar, tar+gzip or tar+zstd). */
  path: string;
  /** The digest the file must have, when the archive names it by digest. */
  digest?: string;
  mediaType?: string;
}

export interface ArchivedImage {
  /** The image id: the config's digest. */
  id: string;
  configBytes: Uint8Array;
  config: ImageConfig;
  layers: ArchivedLayer[];
  /** Canonical names, e.g. docker.io/library/busybox:latest. */
  tags: string[];
  /** The OCI layout's manifest, kept with the image. */
  manifest?: { bytes: Uint8Array; descriptor: BlobDescriptor };
}

export function readArchivedImages(archive: UnpackedArchive): ArchivedImage[] {
  const images = archive.find("manifest.json") ? dockerImages(archive) : archive.find("index.json") ? ociImages(archive) : undefined;
  if (!images) throw new BunkerError("invalid archive: it has neither manifest.json (docker-archive) nor index.json (OCI layout); a root filesystem tarball is loaded with import");
  if (images.length === 0) throw new BunkerError("invalid archive: it holds no images");
  return mergeById(images);
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new BunkerError(`invalid archive: ${what} is not JSON`);
  }
}

/** The parts both layouts share: a validated config whose diff_ids match the layers given. */
function archivedImage(configBytes: Uint8Array, layers: ArchivedLayer[], tags: string[], what: string, manifest?: ArchivedImage["manifest"]): ArchivedImage {
  const parsed = ImageConfigSchema.safeParse(parseJson(configBytes, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BunkerError(`invalid archive: ${what}: ${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  const diffIds = parsed.data.rootfs.diff_ids;
  if (diffIds.length !== layers.length) throw new BunkerError(`invalid archive: ${what} lists ${diffIds.length} layers, but the image has ${layers.length}`);
  return { id: sha256(configBytes), configBytes, config: parsed.data, layers, tags, manifest };
}

/** A name from the archive as a canonical tag; one with only a digest tags nothing. */
function tagFrom(name: string, where: string): string[] {
  try {
    const ref = parseReference(name);
    return ref.tag ? [canonical({ ...ref, digest: undefined })] : [];
  } catch (e) {
    throw new BunkerError(`invalid archive: ${where}: ${(e as Error).message}`);
  }
}

const DockerManifestSchema = z.array(
  z
    .object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullish(),
      Layers: z.array(z.string()),
    })
    .passthrough(),
);

const BLOB_PATH = /^blobs\/sha256\/([a-f0-9]{64})$/;

function dockerImages(archive: UnpackedArchive): ArchivedImage[] {
  const parsed = DockerManifestSchema.safeParse(parseJson(archive.read("manifest.json", "file", MAX_MANIFEST_BYTES), "manifest.json"));
  if (!parsed.success) throw new BunkerError(`invalid archive: manifest.json: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
  return parsed.data.map((entry) => {
    const configBytes = archive.read(entry.Config, "config", MAX_MANIFEST_BYTES);
    const layers = entry.Layers.map((name) => {
      // docker 25+ names layers by digest: then the file is checked against it too.
      const hex = BLOB_PATH.exec(name.replace(/^\.\//, ""))?.[1];
      return { path: archive.path(name, "layer"), digest: hex && `sha256:${hex}` };
    });
    const tags = (entry.RepoTags ?? []).flatMap((t) => tagFrom(t, "manifest.json RepoTags"));
    return archivedImage(configBytes, layers, tags, `config ${entry.Config}`);
  });
}

/** A blob of the OCI layout, small enough to hold in memory, checked against its descriptor. */
function ociBlob(archive: UnpackedArchive, d: Descriptor, what: string): Buffer {
  const bytes = archive.read(`blobs/sha256/${digestHex(d.digest)}`, what, MAX_MANIFEST_BYTES);
  if (sha256(bytes) !== d.digest) throw new BunkerError(`invalid archive: ${what} ${d.digest} does not match its digest`);
  return bytes;
}

/** io.containerd.image.name, else an OCI ref.name that is a whole reference (a bare tag like "latest" names no repository). */
function ociTags(d: Descriptor): string[] {
  const containerd = d.annotations?.["io.containerd.image.name"];
  const ref = d.annotations?.["org.opencontainers.image.ref.name"];
  const name = containerd ?? (ref && /[:/]/.test(ref) ? ref : undefined);
  return name ? tagFrom(name, "index.json annotation") : [];
}

const IMAGE_CONFIG_TYPES: string[] = [MEDIA.ociConfig, MEDIA.dockerConfig];
const MAX_INDEX_DEPTH = 4;

function ociImages(archive: UnpackedArchive): ArchivedImage[] {
  const layoutPath = archive.find("oci-layout");
  if (layoutPath) {
    const layout = parseJson(archive.read("oci-layout", "file", 4096), "oci-layout") as { imageLayoutVersion?: unknown };
    if (layout?.imageLayoutVersion !== "1.0.0") throw new BunkerError(`invalid archive: unsupported OCI layout version ${JSON.stringify(layout?.imageLayoutVersion)}`);
  }
  const top = parseManifest(archive.read("index.json", "file", MAX_MANIFEST_BYTES), MEDIA.ociIndex);
  if (top.kind !== "index") throw new BunkerError("invalid archive: index.json is not an image index");
  const images: ArchivedImage[] = [];
  const visit = (d: Descriptor, tags: string[], depth: number) => {
    if (depth > MAX_INDEX_DEPTH) throw new BunkerError(`invalid archive: image indexes nested more than ${MAX_INDEX_DEPTH} deep`);
    const bytes = ociBlob(archive, d, "manifest");
    const parsed = parseManifest(bytes, d.mediaType);
    if (parsed.kind === "index") {
      // A multi-platform image: the host's variant, as pull picks it.
      const { manifests } = parsed.index;
      const chosen = manifests.some((m) => m.platform) ? [selectPlatform(parsed.index, hostPlatform())] : manifests;
      for (const m of chosen) visit(m, tags, depth + 1);
      return;
    }
    const { manifest } = parsed;
    if (!IMAGE_CONFIG_TYPES.includes(manifest.config.mediaType)) return; // an artifact (signature, SBOM): not an image
    const configBytes = ociBlob(archive, manifest.config, "config");
    const layers = manifest.layers.map((l) => ({ path: archive.path(`blobs/sha256/${digestHex(l.digest)}`, "layer"), digest: l.digest, mediaType: l.mediaType }));
    const descriptor = { mediaType: d.mediaType || manifest.mediaType || MEDIA.ociManifest, digest: d.digest, size: bytes.length };
    images.push(archivedImage(configBytes, layers, tags, `config ${manifest.config.digest}`, { bytes, descriptor }));
  };
  for (const d of top.index.manifests) visit(d, ociTags(d), 0);
  return images;
}

/** One image listed several times (an OCI index has one entry per tag) becomes one image with all the tags. */
function mergeById(images: ArchivedImage[]): ArchivedImage[] {
  const byId = new Map<string, ArchivedImage>();
  for (const image of images) {
    const known = byId.get(image.id);
    if (known) known.tags.push(...image.tags.filter((t) => !known.tags.includes(t)));
    else byId.set(image.id, image);
  }
  return [...byId.values()];
}
