// The local store as a source (push, save): each image with its config, its
// layers as the compressed blobs the store kept, and the manifest it came with
// when that still names exactly those blobs.
import { sha256 } from "../image/digest.ts";
import { parseManifest } from "../image/manifest.ts";
import { fullName, tryCanonical, tryParseReference } from "../image/reference.ts";
import type { BlobDescriptor, ImageRecord, ImageStore } from "../image/store.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { LOCAL_PARALLEL } from "./copy.ts";
import type { CopyImage, ImageSource } from "./types.ts";

/** An image picked by a name the user gave, with the canonical tags to copy along. */
export interface Selected {
  record: ImageRecord;
  tags: string[];
  /** The name it was picked by, for messages. */
  by: string;
}

export class StoreSource implements ImageSource {
  readonly parallel = LOCAL_PARALLEL;

  /** `select` runs in images(), so nothing is looked up before the copy starts. `action` names the command in messages. */
  constructor(
    private readonly store: ImageStore,
    private readonly select: () => Selected[],
    private readonly action: "push" | "save",
  ) {}

  async images(): Promise<CopyImage[]> {
    return this.select().map((s) => this.image(s));
  }

  private image({ record, tags, by }: Selected): CopyImage {
    const { store } = this;
    const config = store.readConfig(record.id); // refuses a config whose digest does not match
    const layers = record.layers.map((chain) => {
      const layer = store.readLayer(chain);
      const fix = "remove the image and import or pull it again";
      const short = layer.diffId.slice(7, 19);
      if (!layer.blob) throw new BunkerError(`cannot ${this.action} ${by}: layer ${short} has no stored archive (it was unpacked by an older bunker); ${fix}`);
      if (!store.hasBlob(layer.blob.digest)) throw new BunkerError(`cannot ${this.action} ${by}: the stored archive ${layer.blob.digest} of layer ${short} is missing; ${fix}`);
      const path = store.blobPath(layer.blob.digest);
      return { diffId: layer.diffId, blob: layer.blob, open: () => Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array> };
    });
    const blobs = layers.map((l) => l.blob);
    return { id: record.id, configBytes: store.readBlob(record.id), config, tags, layers, manifest: storedManifest(store, record, blobs), repoDigests: record.repoDigests };
  }
}

/**
 * The manifest the image was pulled, loaded or pushed with, if it names exactly the config and the
 * layer blobs stored now: a layer that was already here when the image arrived may be stored from
 * another source, compressed differently, and then a new manifest must describe what is sent.
 */
function storedManifest(store: ImageStore, record: ImageRecord, blobs: BlobDescriptor[]): CopyImage["manifest"] {
  const m = record.manifest;
  if (!m || !store.hasBlob(m.digest)) return undefined;
  const bytes = store.readBlob(m.digest);
  if (sha256(bytes) !== m.digest) return undefined;
  try {
    const parsed = parseManifest(bytes, m.mediaType);
    if (parsed.kind !== "manifest" || parsed.manifest.config.digest !== record.id) return undefined;
    const { layers } = parsed.manifest;
    if (layers.length !== blobs.length || layers.some((l, i) => l.digest !== blobs[i].digest)) return undefined;
  } catch {
    return undefined;
  }
  return { bytes, descriptor: { mediaType: m.mediaType, digest: m.digest, size: bytes.length } };
}

/** One image by name or id, as push names it: the tag it was named by goes along. */
export function selectImage(store: ImageStore, name: string): () => Selected[] {
  return () => {
    const record = store.resolve(name);
    return [{ record, tags: record.names.filter((n) => n === tryCanonical(name)), by: name }];
  };
}

/** As `docker save`: busybox saves every tag of the repository, busybox:1 only that tag, an id no tag; an image named twice is saved once. */
export function selectForSave(store: ImageStore, names: string[]): () => Selected[] {
  return () => {
    const all = store.list();
    const byId = new Map<string, Selected>();
    for (const name of names) {
      for (const { record, tags } of matching(store, all, name)) {
        const known = byId.get(record.id) ?? { record, tags: [], by: name };
        byId.set(record.id, known);
        for (const t of tags) if (!known.tags.includes(t)) known.tags.push(t);
      }
    }
    return [...byId.values()];
  };
}

function matching(store: ImageStore, all: ImageRecord[], name: string): { record: ImageRecord; tags: string[] }[] {
  const parsed = tryParseReference(name);
  const tagged = name.lastIndexOf(":") > name.lastIndexOf("/");
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
  const record = store.find(name, all);
  if (!record) throw new NotFoundError(`No such image: ${name}`, 1);
  return [{ record, tags: record.names.filter((n) => n === tryCanonical(name)) }];
}
