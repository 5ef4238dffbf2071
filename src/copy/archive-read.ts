// What images an archive's files hold (extracted, or an OCI layout directory), in either layout:
//   docker-archive  manifest.json: [{Config, RepoTags, Layers}], paths inside the archive
//                   ("<id>/layer.tar" classic, "<hex>.tar" podman, "blobs/sha256/<hex>" docker 25+);
//   OCI layout      oci-layout + index.json; entries (indexes may nest) are named by their
//                   io.containerd.image.name or org.opencontainers.image.ref.name annotation.
// Everything read here is untrusted: configs and manifests are validated with the
// zod schemas, and blobs named by digest must hash to it. Layers are checked
// against the config's diff_ids by the destination that unpacks them.
import { statSync } from "node:fs";
import { z } from "zod";
import type { UnpackedArchive } from "../image/archive-extract.ts";
import { digestHex, sha256 } from "../image/digest.ts";
import { firstIssue, parseJsonBytes } from "../image/json.ts";
import { ANNOTATION, type Descriptor, MAX_MANIFEST_BYTES, MEDIA, parseManifest, type Platform, selectPlatform } from "../image/manifest.ts";
import { canonical, parseReference, tryCanonical } from "../image/reference.ts";
import { parseImageConfig } from "./image-config.ts";
import type { CopyImage, CopyLayer } from "./types.ts";

export type ArchiveLayout = "docker-archive" | "oci";

/** `layout` undefined: whichever the files hold (load), docker's manifest.json first. `select` picks images by name. */
export function readArchivedImages(archive: UnpackedArchive, opts: { layout?: ArchiveLayout; platform: Platform; select?: string }): CopyImage[] {
  const layout = opts.layout ?? (archive.find("manifest.json") ? "docker-archive" : archive.find("index.json") ? "oci" : undefined);
  if (!layout) throw archive.invalid("it has neither manifest.json (docker-archive) nor index.json (OCI layout); a root filesystem tarball is loaded with import");
  const images = layout === "docker-archive" ? dockerImages(archive, opts.select) : ociImages(archive, opts.platform, opts.select);
  if (images.length === 0) throw archive.invalid("it holds no images");
  return mergeById(images);
}

function parseJson(archive: UnpackedArchive, bytes: Uint8Array, what: string): unknown {
  return parseJsonBytes(bytes, () => archive.invalid(`${what} is not JSON`));
}

/** A layer file of the archive, read as it is (tar, tar+gzip or tar+zstd); plain ones are stored gzipped. */
function archivedLayer(path: string, diffId: string, blob: { digest?: string; mediaType?: string; size?: number }): CopyLayer {
  return {
    diffId,
    blob: { ...blob, size: blob.size ?? statSync(path).size },
    gzipIfPlain: true,
    open: () => Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>,
  };
}

/** The parts both layouts share: a validated config whose diff_ids match the layers given. */
function archivedImage(
  archive: UnpackedArchive,
  configBytes: Uint8Array,
  layers: { path: string; digest?: string; mediaType?: string; size?: number }[],
  tags: string[],
  what: string,
  manifest?: CopyImage["manifest"],
): CopyImage {
  const config = parseImageConfig(configBytes, layers.length, `invalid ${archive.label}: ${what}`, "the image has");
  const copyLayers = layers.map(({ path, ...blob }, i) => archivedLayer(path, config.rootfs.diff_ids[i], blob));
  return { id: sha256(configBytes), configBytes, config, layers: copyLayers, tags, manifest };
}

/** A name from the archive as a canonical tag; one with only a digest tags nothing. */
function tagFrom(archive: UnpackedArchive, name: string, where: string): string[] {
  try {
    const ref = parseReference(name);
    return ref.tag ? [canonical({ ...ref, digest: undefined })] : [];
  } catch (e) {
    throw archive.invalid(`${where}: ${(e as Error).message}`);
  }
}


function nothingNamed(archive: UnpackedArchive, select: string): Error {
  return archive.invalid(`no image in it is named ${JSON.stringify(select)}`);
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

function dockerImages(archive: UnpackedArchive, select?: string): CopyImage[] {
  const parsed = DockerManifestSchema.safeParse(parseJson(archive, archive.read("manifest.json", "file", MAX_MANIFEST_BYTES), "manifest.json"));
  if (!parsed.success) throw archive.invalid(`manifest.json: ${firstIssue(parsed.error)}`);
  const images = parsed.data.map((entry) => {
    const configBytes = archive.read(entry.Config, "config", MAX_MANIFEST_BYTES);
    const layers = entry.Layers.map((name) => {
      // docker 25+ names layers by digest: then the file is checked against it too.
      const hex = BLOB_PATH.exec(name.replace(/^\.\//, ""))?.[1];
      return { path: archive.path(name, "layer"), digest: hex && `sha256:${hex}` };
    });
    const tags = (entry.RepoTags ?? []).flatMap((t) => tagFrom(archive, t, "manifest.json RepoTags"));
    return archivedImage(archive, configBytes, layers, tags, `config ${entry.Config}`);
  });
  if (select === undefined) return images;
  const wanted = tryCanonical(select);
  const chosen = images.filter((i) => wanted !== undefined && i.tags.includes(wanted));
  if (chosen.length === 0) throw nothingNamed(archive, select);
  return chosen;
}

/** A blob of the OCI layout, small enough to hold in memory, checked against its descriptor. */
function ociBlob(archive: UnpackedArchive, d: Descriptor, what: string): Buffer {
  const bytes = archive.read(`blobs/sha256/${digestHex(d.digest)}`, what, MAX_MANIFEST_BYTES);
  if (sha256(bytes) !== d.digest) throw archive.invalid(`${what} ${d.digest} does not match its digest`);
  return bytes;
}

/** io.containerd.image.name, else an OCI ref.name that is a whole reference (a bare tag like "latest" names no repository). */
function ociTags(archive: UnpackedArchive, d: Descriptor): string[] {
  const containerd = d.annotations?.[ANNOTATION.containerdName];
  const ref = d.annotations?.[ANNOTATION.refName];
  const name = containerd ?? (ref && /[:/]/.test(ref) ? ref : undefined);
  return name ? tagFrom(archive, name, "index.json annotation") : [];
}

/** oci:DIR:NAME picks the entries whose ref.name is NAME (containers/image's rule), or whose containerd name is. */
function ociSelected(d: Descriptor, select: string): boolean {
  const containerd = d.annotations?.[ANNOTATION.containerdName];
  return d.annotations?.[ANNOTATION.refName] === select || (containerd !== undefined && containerd === tryCanonical(select));
}

const IMAGE_CONFIG_TYPES: string[] = [MEDIA.ociConfig, MEDIA.dockerConfig];
const MAX_INDEX_DEPTH = 4;

function ociImages(archive: UnpackedArchive, platform: Platform, select?: string): CopyImage[] {
  if (archive.find("oci-layout")) {
    const layout = parseJson(archive, archive.read("oci-layout", "file", 4096), "oci-layout") as { imageLayoutVersion?: unknown };
    if (layout?.imageLayoutVersion !== "1.0.0") throw archive.invalid(`unsupported OCI layout version ${JSON.stringify(layout?.imageLayoutVersion)}`);
  }
  const top = parseManifest(archive.read("index.json", "file", MAX_MANIFEST_BYTES), MEDIA.ociIndex);
  if (top.kind !== "index") throw archive.invalid("index.json is not an image index");
  const images: CopyImage[] = [];
  const visit = (d: Descriptor, tags: string[], depth: number) => {
    if (depth > MAX_INDEX_DEPTH) throw archive.invalid(`image indexes nested more than ${MAX_INDEX_DEPTH} deep`);
    const bytes = ociBlob(archive, d, "manifest");
    const parsed = parseManifest(bytes, d.mediaType);
    if (parsed.kind === "index") {
      // A multi-platform image: the platform's variant, as pull picks it.
      const { manifests } = parsed.index;
      const chosen = manifests.some((m) => m.platform) ? [selectPlatform(parsed.index, platform)] : manifests;
      for (const m of chosen) visit(m, tags, depth + 1);
      return;
    }
    const { manifest } = parsed;
    if (!IMAGE_CONFIG_TYPES.includes(manifest.config.mediaType)) return; // an artifact (signature, SBOM): not an image
    const configBytes = ociBlob(archive, manifest.config, "config");
    const layers = manifest.layers.map((l) => ({ path: archive.path(`blobs/sha256/${digestHex(l.digest)}`, "layer"), digest: l.digest, mediaType: l.mediaType, size: l.size }));
    const descriptor = { mediaType: d.mediaType || manifest.mediaType || MEDIA.ociManifest, digest: d.digest, size: bytes.length };
    images.push(archivedImage(archive, configBytes, layers, tags, `config ${manifest.config.digest}`, { bytes, descriptor }));
  };
  const entries = select === undefined ? top.index.manifests : top.index.manifests.filter((d) => ociSelected(d, select));
  if (entries.length === 0 && select !== undefined) throw nothingNamed(archive, select);
  for (const d of entries) visit(d, ociTags(archive, d), 0);
  return images;
}

/** One image listed several times (an OCI index has one entry per tag) becomes one image with all the tags. */
function mergeById(images: CopyImage[]): CopyImage[] {
  const byId = new Map<string, CopyImage>();
  for (const image of images) {
    const known = byId.get(image.id);
    if (known) known.tags.push(...image.tags.filter((t) => !known.tags.includes(t)));
    else byId.set(image.id, image);
  }
  return [...byId.values()];
}
