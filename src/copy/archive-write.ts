// The members of the two archive layouts, built from the images to copy; a
// layer or config shared by several images is written once.
//   docker-archive  the classic `docker save` layout that docker and podman load: manifest.json,
//                   repositories, <config hex>.json and an uncompressed <diffid hex>/layer.tar per layer
//                   (the format predates compressed layers, so blobs are decompressed on the fly);
//   OCI layout      oci-layout, index.json and blobs/sha256/* with the layers as the source offers
//                   them: an oci-archive is this as a tar, oci:DIR the same files in a directory.
import { decompress } from "../image/decompress.ts";
import { digestHex } from "../image/digest.ts";
import { ANNOTATION, layerCompression, MEDIA } from "../image/manifest.ts";
import { displayParts, familiarTag, parseReference, tryCanonical } from "../image/reference.ts";
import type { StreamEntry, TarEntry } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";
import { imageManifest, requireBlob } from "./manifest.ts";
import type { CopyImage, CopyLayer, WrittenManifest } from "./types.ts";

const json = (value: unknown) => JSON.stringify(value);

/** Decompresses a layer's blob; a decoding error means the store (the only source feeding an archive) is damaged, and says which blob. */
async function* layerTar(layer: CopyLayer): AsyncGenerator<Uint8Array> {
  try {
    yield* decompress(layer.open());
  } catch (e) {
    throw new BunkerError(`stored layer ${layer.blob.digest} is corrupt (${(e as Error).message}); remove the image and import or pull it again`);
  }
}

/** A layer as the plain tar it compresses. */
function layerTarEntry(name: string, layer: CopyLayer): StreamEntry {
  const blob = requireBlob(layer);
  const open = () => layerTar(layer);
  if (layerCompression(blob.mediaType) === "none") return { name, size: blob.size, open };
  // tar needs the size before the bytes, and only the compressed size is known: one
  // counting pass, started now so that it overlaps with writing the entries before this one.
  const size = (async () => {
    let n = 0;
    for await (const chunk of open()) n += chunk.length;
    return n;
  })();
  size.catch(() => {}); // awaited by the writer, unless an earlier entry failed
  return { name, size, open };
}

export function dockerArchive(images: CopyImage[]): TarEntry[] {
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const files = new Map<string, TarEntry>();
  for (const image of images) {
    const config = `${digestHex(image.id)}.json`;
    files.set(config, { name: config, data: image.configBytes });
    const layers = image.layers.map((layer) => {
      const name = `${digestHex(layer.diffId)}/layer.tar`;
      if (!files.has(name)) files.set(name, layerTarEntry(name, layer));
      return name;
    });
    manifest.push({ Config: config, RepoTags: image.tags.map(familiarTag), Layers: layers });
    // Legacy: each tag points at its top layer's directory.
    const top = image.layers.at(-1);
    for (const tag of image.tags) {
      const { repository, tag: t } = displayParts(tag);
      if (top) (repositories[repository] ??= {})[t] = digestHex(top.diffId);
    }
  }
  // Metadata first: a reader streaming the archive knows what the layers are before they arrive.
  const meta: TarEntry[] = [{ name: "manifest.json", data: json(manifest) }];
  if (Object.keys(repositories).length > 0) meta.push({ name: "repositories", data: json(repositories) });
  return [...meta, ...files.values()];
}

/** The oci-layout file's content. */
export const OCI_LAYOUT_VERSION = json({ imageLayoutVersion: "1.0.0" });

/** An entry of index.json. */
export interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciLayout {
  /** index.json's entries for these images. */
  entries: IndexEntry[];
  /** By digest: configs, manifests and layers, each once. */
  blobs: Map<string, TarEntry>;
  written: WrittenManifest[];
}

/** An image's names in index.json: as docker 25+, one entry per tag, named both the containerd way and the OCI way. */
function annotations(image: CopyImage, refName: string | undefined): (Record<string, string> | undefined)[] {
  if (refName !== undefined) {
    // oci:DIR:NAME: NAME is the ref.name; a whole reference also names the image for containerd (and for load).
    const whole = /[:/]/.test(refName) ? tryCanonical(refName) : undefined;
    return [whole ? { [ANNOTATION.containerdName]: whole, [ANNOTATION.refName]: refName } : { [ANNOTATION.refName]: refName }];
  }
  if (image.tags.length === 0) return [undefined];
  return image.tags.map((tag) => ({ [ANNOTATION.containerdName]: tag, [ANNOTATION.refName]: parseReference(tag).tag as string }));
}

/** `refName` (oci:DIR:NAME) names the one image instead of its tags. */
export function ociLayout(images: CopyImage[], refName?: string): OciLayout {
  const blobs = new Map<string, TarEntry>();
  const path = (digest: string) => `blobs/sha256/${digestHex(digest)}`;
  const entries: IndexEntry[] = [];
  const written: WrittenManifest[] = [];
  for (const image of images) {
    const manifest = imageManifest(image, MEDIA.ociManifest);
    const descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length };
    blobs.set(image.id, { name: path(image.id), data: image.configBytes });
    blobs.set(manifest.digest, { name: path(manifest.digest), data: manifest.bytes });
    for (const layer of image.layers) {
      const blob = requireBlob(layer);
      if (!blobs.has(blob.digest)) blobs.set(blob.digest, { name: path(blob.digest), size: blob.size, open: () => layer.open() });
    }
    for (const a of annotations(image, refName)) {
      entries.push(a ? { ...descriptor, annotations: a } : descriptor);
      written.push({ ...manifest, imageId: image.id, name: a?.[ANNOTATION.refName] ?? digestHex(manifest.digest).slice(0, 12) });
    }
  }
  return { entries, blobs, written };
}

/** index.json's content. */
export const indexJson = (manifests: IndexEntry[]) => json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests });

/** One OCI layout as tar members: what oci-archive holds. */
export function ociArchive(layout: OciLayout): TarEntry[] {
  return [{ name: "oci-layout", data: OCI_LAYOUT_VERSION }, { name: "index.json", data: indexJson(layout.entries) }, ...layout.blobs.values()];
}
