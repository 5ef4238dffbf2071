// `save`: images -> one tar archive, in either of two layouts:
//   docker-archive  the classic `docker save` layout that docker and podman load: manifest.json,
//                   repositories, <config hex>.json and an uncompressed <diffid hex>/layer.tar per layer
//                   (the format predates compressed layers, so stored blobs are decompressed on the fly);
//   oci-archive     an OCI image layout (podman's --format name): oci-layout, index.json, blobs/sha256/*
//                   with the layers exactly as stored.
// Both are built from the same resolved images, and a layer or config shared by several
// images is written once.
import { MEDIA, layerCompression, parseManifest, type Descriptor } from "../image/manifest.ts";
import { canonical, displayParts, fullName, parseReference, type Reference } from "../image/reference.ts";
import { decompress } from "../image/decompress.ts";
import { digestHex, sha256 } from "../image/digest.ts";
import type { BlobDescriptor, ImageRecord, ImageStore, LayerRecord } from "../image/store.ts";
import { type StreamEntry, type TarEntry, type TarOutput, writeTar } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";

export const SAVE_FORMATS = ["docker-archive", "oci-archive"] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

interface SavedImage {
  record: ImageRecord;
  config: Uint8Array;
  /** Canonical names to record in the archive. */
  tags: string[];
  /** Bottom first, each with its stored compressed blob. */
  layers: (LayerRecord & { blob: BlobDescriptor })[];
}

/** The output is opened only once every image is found, so a failed lookup leaves no temp file. */
export async function saveImages(store: ImageStore, refs: string[], format: SaveFormat, open: () => TarOutput): Promise<void> {
  const images = resolveImages(store, refs);
  const entries = format === "oci-archive" ? ociArchive(store, images) : dockerArchive(store, images);
  await writeTar(entries, open());
}

/** `docker save busybox` saves every tag of the repository; busybox:1 only that tag; an id no tag. */
function resolveImages(store: ImageStore, refs: string[]): SavedImage[] {
  const all = store.list();
  const byId = new Map<string, SavedImage>();
  for (const ref of refs) {
    for (const { record, tags } of matching(store, all, ref)) {
      const saved = byId.get(record.id) ?? { record, config: configBytes(store, record), tags: [], layers: storedLayers(store, record, ref) };
      byId.set(record.id, saved);
      for (const t of tags) if (!saved.tags.includes(t)) saved.tags.push(t);
    }
  }
  return [...byId.values()];
}

function matching(store: ImageStore, all: ImageRecord[], ref: string): { record: ImageRecord; tags: string[] }[] {
  let parsed: Reference | undefined;
  try {
    parsed = parseReference(ref);
  } catch {
    parsed = undefined; // an id prefix, or nothing we know: find() decides
  }
  const tagged = ref.lastIndexOf(":") > ref.lastIndexOf("/");
  if (parsed && !parsed.digest && !tagged) {
    const repo = fullName(parsed);
    const found = all.map((record) => ({ record, tags: record.names.filter((n) => n.slice(0, n.lastIndexOf(":")) === repo) })).filter((m) => m.tags.length > 0);
    if (found.length > 0) return found;
  }
  if (parsed?.digest) {
    const named = `${fullName(parsed)}@${parsed.digest}`;
    const record = all.find((i) => i.repoDigests?.includes(named));
    if (record) return [{ record, tags: [] }];
  }
  const record = store.find(ref, all);
  if (!record) throw new BunkerError(`No such image: ${ref}`, 1);
  const name = parsed && canonical(parsed);
  return [{ record, tags: name && record.names.includes(name) ? [name] : [] }];
}

function configBytes(store: ImageStore, record: ImageRecord): Uint8Array {
  store.readConfig(record.id); // refuses a config whose digest does not match
  return store.readBlob(record.id);
}

function storedLayers(store: ImageStore, record: ImageRecord, ref: string): SavedImage["layers"] {
  return record.layers.map((chain) => {
    const layer = store.readLayer(chain);
    const fix = "remove the image and import or pull it again";
    if (!layer.blob) throw new BunkerError(`cannot save ${ref}: layer ${layer.diffId.slice(7, 19)} has no stored archive (it was unpacked by an older bunker); ${fix}`);
    if (!store.hasBlob(layer.blob.digest)) throw new BunkerError(`cannot save ${ref}: the stored archive ${layer.blob.digest} of layer ${layer.diffId.slice(7, 19)} is missing; ${fix}`);
    return layer as SavedImage["layers"][number];
  });
}

const familiar = (name: string) => {
  const { repository, tag } = displayParts(name);
  return `${repository}:${tag}`;
};

const json = (value: unknown) => JSON.stringify(value);

/** A stored blob, streamed as it is. */
function blobEntry(store: ImageStore, name: string, blob: { digest: string; size: number }): StreamEntry {
  return { name, size: blob.size, open: () => Bun.file(store.blobPath(blob.digest)).stream() as unknown as AsyncIterable<Uint8Array> };
}

/** Decompresses a stored layer blob; a decoding error means the store is damaged, and says which blob. */
async function* layerTar(store: ImageStore, blob: BlobDescriptor): AsyncGenerator<Uint8Array> {
  try {
    yield* decompress(Bun.file(store.blobPath(blob.digest)).stream() as unknown as AsyncIterable<Uint8Array>);
  } catch (e) {
    throw new BunkerError(`stored layer ${blob.digest} is corrupt (${(e as Error).message}); remove the image and import or pull it again`);
  }
}

/** A stored layer blob as the plain tar it compresses. */
function layerTarEntry(store: ImageStore, name: string, blob: BlobDescriptor): StreamEntry {
  const open = () => layerTar(store, blob);
  if (layerCompression(blob.mediaType) === "none") return { name, size: blob.size, open };
  // tar needs the size before the bytes, and the store keeps only the compressed size: one
  // counting pass, started now so that it overlaps with writing the entries before this one.
  const size = (async () => {
    let n = 0;
    for await (const chunk of open()) n += chunk.length;
    return n;
  })();
  size.catch(() => {}); // awaited by the writer, unless an earlier entry failed
  return { name, size, open };
}

function dockerArchive(store: ImageStore, images: SavedImage[]): TarEntry[] {
  const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const files = new Map<string, TarEntry>();
  for (const image of images) {
    const config = `${digestHex(image.record.id)}.json`;
    files.set(config, { name: config, data: image.config });
    const layers = image.layers.map((layer) => {
      const name = `${digestHex(layer.diffId)}/layer.tar`;
      if (!files.has(name)) files.set(name, layerTarEntry(store, name, layer.blob));
      return name;
    });
    manifest.push({ Config: config, RepoTags: image.tags.map(familiar), Layers: layers });
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

const OCI_LAYER_TYPE = { gzip: MEDIA.ociLayerGzip, zstd: MEDIA.ociLayerZstd, none: MEDIA.ociLayer };

interface OciManifest {
  bytes: Uint8Array;
  descriptor: { mediaType: string; digest: string; size: number };
  layers: { digest: string; size: number }[];
}

/** The manifest the image was pulled or pushed with, if every blob it names is here: its digest stays meaningful. */
function storedManifest(store: ImageStore, image: SavedImage): OciManifest | undefined {
  const m = image.record.manifest;
  if (!m || !store.hasBlob(m.digest)) return undefined;
  const bytes = store.readBlob(m.digest);
  if (sha256(bytes) !== m.digest) return undefined;
  let layers: Descriptor[];
  try {
    const parsed = parseManifest(bytes, m.mediaType);
    if (parsed.kind !== "manifest" || parsed.manifest.config.digest !== image.record.id) return undefined;
    layers = parsed.manifest.layers;
  } catch {
    return undefined;
  }
  // A layer that was already here when the image arrived may be stored from another source, compressed differently.
  if (!layers.every((l) => store.hasBlob(l.digest))) return undefined;
  return { bytes, descriptor: { mediaType: m.mediaType, digest: m.digest, size: bytes.length }, layers };
}

function newManifest(image: SavedImage): OciManifest {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: image.record.id, size: image.config.length },
    layers: image.layers.map((l) => ({ mediaType: OCI_LAYER_TYPE[layerCompression(l.blob.mediaType)], digest: l.blob.digest, size: l.blob.size })),
  };
  const bytes = Buffer.from(json(manifest));
  return { bytes, descriptor: { mediaType: MEDIA.ociManifest, digest: sha256(bytes), size: bytes.length }, layers: manifest.layers };
}

function ociArchive(store: ImageStore, images: SavedImage[]): TarEntry[] {
  const blobs = new Map<string, TarEntry>();
  const path = (digest: string) => `blobs/sha256/${digestHex(digest)}`;
  const manifests: object[] = [];
  for (const image of images) {
    const { bytes, descriptor, layers } = storedManifest(store, image) ?? newManifest(image);
    blobs.set(image.record.id, { name: path(image.record.id), data: image.config });
    blobs.set(descriptor.digest, { name: path(descriptor.digest), data: bytes });
    for (const l of layers) if (!blobs.has(l.digest)) blobs.set(l.digest, blobEntry(store, path(l.digest), l));
    if (image.tags.length === 0) manifests.push(descriptor);
    // As docker 25+: one entry per tag, named both the containerd way and the OCI way.
    for (const tag of image.tags) {
      manifests.push({ ...descriptor, annotations: { "io.containerd.image.name": tag, "org.opencontainers.image.ref.name": parseReference(tag).tag } });
    }
  }
  return [
    { name: "oci-layout", data: json({ imageLayoutVersion: "1.0.0" }) },
    { name: "index.json", data: json({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }) },
    ...blobs.values(),
  ];
}
