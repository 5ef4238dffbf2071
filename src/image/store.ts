// The local image store: content-addressed blobs, unpacked layers keyed by
// chain id, and an index of images and their tags guarded by a file lock.
//
//   image/blobs/sha256/<hex>       image configs, manifests and compressed layers
//   image/layers/<chain hex>/diff  an unpacked layer, the lowerdir for overlayfs
//   image/layers/<chain hex>/layer.json
//   image/tmp/<pid>-<n>[.blob]     layers being unpacked and blobs being written: the "incomplete" mark
//   image/images.json              every image: id, tags, layers, size
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../lib/atomic.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { withLock } from "../lib/lock.ts";
import { makeDir, OPEN_DIR_MODE } from "../lib/modes.ts";
import { spreadSubdirectories } from "../lib/spread-dirs.ts";
import type { ImageConfig } from "./config.ts";
import { BlobWriter } from "./blob-writer.ts";
import { digestHex, sha256 } from "./digest.ts";
import { canonical, parseReference } from "./reference.ts";

export interface BlobDescriptor {
  digest: string;
  size: number;
  mediaType: string;
}

export interface ImageRecord {
  id: string; // the config digest, as docker
  names: string[]; // canonical references, e.g. docker.io/library/busybox:latest
  created: string;
  layers: string[]; // chain ids, bottom first
  size: number;
  /** The manifest the image was pulled with or pushed as (stored in blobs). */
  manifest?: BlobDescriptor;
  /** Canonical repo@digest names the manifest is known under, as docker's RepoDigests. */
  repoDigests?: string[];
  /** A build step's result, kept for the build cache: `images` lists it only with -a, as docker's intermediate images. */
  intermediate?: boolean;
  /** The image a commit was made on (docker's Parent); pulled and loaded images have none here. */
  parent?: string;
}

interface ImageIndex {
  images: Record<string, ImageRecord>;
}

export interface LayerRecord {
  chainId: string;
  diffId: string;
  parent: string | null;
  size: number;
  /** The layer's compressed tar as stored in blobs, for push and save. */
  blob?: BlobDescriptor;
}

let tmpCounter = 0;

export class ImageStore {
  readonly dir: string;
  private readonly indexPath: string;
  private readonly lockPath: string;

  constructor(root: string) {
    this.dir = join(root, "image");
    this.indexPath = join(this.dir, "images.json");
    this.lockPath = join(this.dir, "images.lock");
  }

  layerPath(chainId: string): string {
    return join(this.dir, "layers", digestHex(chainId));
  }

  layerDiff(chainId: string): string {
    return join(this.layerPath(chainId), "diff");
  }

  hasLayer(chainId: string): boolean {
    return existsSync(join(this.layerPath(chainId), "layer.json"));
  }

  /**
   * A fresh directory to unpack a layer into. Its location under tmp/ is the
   * incomplete mark: only commitLayer makes it visible. Leftovers of writers
   * that died are removed here, by the next writer.
   */
  newLayerDir(): string {
    const dir = this.tmpPath("");
    makeDir(join(dir, "diff"), OPEN_DIR_MODE); // the layer's "/", unless its tar sets one
    return dir;
  }

  /** An empty scratch directory under tmp/ (e.g. an archive being loaded); the caller removes it, or the next writer's sweep does if we die. */
  newTempDir(): string {
    const dir = this.tmpPath("");
    mkdirSync(dir);
    return dir;
  }

  /** A blob being written; see BlobWriter. */
  newBlobWriter(): BlobWriter {
    return new BlobWriter(join(this.dir, "blobs", "sha256"), this.tmpPath(".blob"));
  }

  private tmpPath(suffix: string): string {
    const tmp = join(this.dir, "tmp");
    mkdirSync(tmp, { recursive: true });
    if (!this.tmpSwept) {
      spreadSubdirectories(tmp); // layers are unpacked here
      this.removeAbandonedTmp(tmp);
    }
    this.tmpSwept = true;
    return join(tmp, `${process.pid}-${Date.now()}-${tmpCounter++}${suffix}`);
  }

  private tmpSwept = false;

  /** Moves an unpacked layer into place. If another writer got there first, ours is discarded. */
  commitLayer(tmpDir: string, layer: LayerRecord): void {
    writeJsonAtomic(join(tmpDir, "layer.json"), layer);
    const dest = this.layerPath(layer.chainId);
    mkdirSync(join(this.dir, "layers"), { recursive: true });
    if (this.hasLayer(layer.chainId)) {
      rmSync(tmpDir, { recursive: true, force: true });
      return;
    }
    try {
      renameSync(tmpDir, dest);
    } catch (e) {
      rmSync(tmpDir, { recursive: true, force: true });
      if (!this.hasLayer(layer.chainId)) throw e;
    }
  }

  discardLayerDir(tmpDir: string): void {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  private removeAbandonedTmp(tmp: string): void {
    for (const path of this.abandonedTmp()) rmSync(path, { recursive: true, force: true });
  }

  /** Entries of tmp/ whose writer died (layers being unpacked, blobs being written): the incomplete marks of a crash. */
  abandonedTmp(): string[] {
    const tmp = join(this.dir, "tmp");
    if (!existsSync(tmp)) return [];
    return readdirSync(tmp)
      .filter((name) => {
        const pid = Number(name.split("-")[0]);
        return pid && pid !== process.pid && !existsSync(`/proc/${pid}`);
      })
      .map((name) => join(tmp, name));
  }

  readLayer(chainId: string): LayerRecord {
    return JSON.parse(readFileSync(join(this.layerPath(chainId), "layer.json"), "utf8"));
  }

  hasBlob(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  blobPath(digest: string): string {
    return join(this.dir, "blobs", "sha256", digestHex(digest));
  }

  /** Stores a blob under its digest (temp + fsync + rename) and returns the digest. */
  putBlob(data: Uint8Array | string): string {
    const digest = sha256(data);
    const dir = join(this.dir, "blobs", "sha256");
    const path = join(dir, digestHex(digest));
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      writeFileAtomic(path, data);
    }
    return digest;
  }

  readBlob(digest: string): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  readConfig(id: string): ImageConfig {
    const raw = this.readBlob(id);
    if (sha256(raw) !== id) throw new BunkerError(`image config ${id.slice(7, 19)} is corrupt: its digest does not match; remove the image and import it again`);
    // Validated (ImageConfigSchema) when it entered the store; the digest proves it is the same bytes.
    return JSON.parse(raw.toString());
  }

  list(): ImageRecord[] {
    return Object.values(this.readIndex().images);
  }

  private readIndex(): ImageIndex {
    try {
      return JSON.parse(readFileSync(this.indexPath, "utf8"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { images: {} };
      throw e;
    }
  }

  /** Reads the index under the store lock, so no update (a prune) is half done: e.g. to confirm an image a new container uses is still there. */
  readLocked<T>(fn: (index: ImageIndex) => T): T {
    mkdirSync(this.dir, { recursive: true });
    return withLock(this.lockPath, () => fn(this.readIndex()));
  }

  /** Read-modify-write of the index under the store lock. */
  update<T>(fn: (index: ImageIndex) => T): T {
    mkdirSync(this.dir, { recursive: true });
    return withLock(this.lockPath, () => {
      const index = this.readIndex();
      const result = fn(index);
      writeJsonAtomic(this.indexPath, index);
      return result;
    });
  }

  /**
   * Adds an image (or returns the existing one with the same id) and points the given tags at it.
   * `commit` runs under the same lock first (e.g. commitLayer, putBlob of the config), so a concurrent
   * rmi's pruneLayers or `system check --repair` never sees a committed layer or blob that no image refers to yet.
   */
  addImage(record: Omit<ImageRecord, "names">, tags: string[], commit?: () => void): ImageRecord {
    return this.update((index) => {
      commit?.();
      // A layer found in place earlier may have been pruned since (rmi, prune): never record an image that cannot run.
      if (!this.hasBlob(record.id) || !record.layers.every((l) => this.hasLayer(l))) throw new LayerGoneError(record.id);
      const known = index.images[record.id];
      const image = known ?? { ...record, names: [] };
      if (known) {
        // The same image reached again (another registry, a re-pull): remember where it came from too.
        image.repoDigests = [...new Set([...(known.repoDigests ?? []), ...(record.repoDigests ?? [])])];
        image.manifest ??= record.manifest;
        if (!record.intermediate) delete image.intermediate; // a build's result that was only a cached step so far
      }
      index.images[record.id] = image;
      for (const tag of tags) moveTag(index, tag, image);
      return image;
    });
  }

  /** Finds an image by name[:tag], full id, or a unique id prefix. */
  resolve(nameOrId: string): ImageRecord {
    const found = this.find(nameOrId);
    if (!found) throw new NotFoundError(`No such image: ${nameOrId}`);
    return found;
  }

  find(nameOrId: string, images = this.list()): ImageRecord | undefined {
    const hex = nameOrId.startsWith("sha256:") ? nameOrId.slice(7) : nameOrId;
    if (/^[a-f0-9]{1,64}$/.test(hex)) {
      const byId = images.filter((i) => i.id.slice(7).startsWith(hex));
      if (byId.length === 1 && (hex.length === 64 || !this.findByName(nameOrId, images))) return byId[0];
      if (byId.length > 1 && !this.findByName(nameOrId, images)) throw new BunkerError(`image id prefix "${nameOrId}" is ambiguous; give more characters`);
    }
    return this.findByName(nameOrId, images);
  }

  private findByName(name: string, images: ImageRecord[]): ImageRecord | undefined {
    let ref: string;
    try {
      ref = canonical(parseReference(name));
    } catch {
      return undefined;
    }
    return images.find((i) => i.names.includes(ref));
  }

  /** Removes layers that no image uses any more, with their compressed blobs. */
  pruneLayers(index: ImageIndex): void {
    const used = new Set(Object.values(index.images).flatMap((i) => i.layers));
    const layers = join(this.dir, "layers");
    if (!existsSync(layers)) return;
    const unused = readdirSync(layers).filter((hex) => !used.has(`sha256:${hex}`));
    const keptBlobs = new Set([...used].map((l) => this.tryReadLayer(l)?.blob?.digest));
    for (const hex of unused) {
      const blob = this.tryReadLayer(`sha256:${hex}`)?.blob?.digest;
      rmSync(join(layers, hex), { recursive: true, force: true });
      if (blob && !keptBlobs.has(blob)) this.removeBlob(blob);
    }
  }

  /** The layer's record, or undefined if it is incomplete or gone (a prune may be removing it). */
  tryReadLayer(chainId: string): LayerRecord | undefined {
    try {
      return this.readLayer(chainId);
    } catch {
      return undefined;
    }
  }

  removeBlob(digest: string): void {
    rmSync(join(this.dir, "blobs", "sha256", digestHex(digest)), { force: true });
  }
}

/** An image lost a layer (or its config) to a concurrent prune while being added: the caller may fetch it again. */
export class LayerGoneError extends BunkerError {
  constructor(id: string) {
    super(`image ${id.slice(7, 19)} lost a layer to a prune that ran meanwhile; run the command again`);
  }
}

/** Points TAG at IMAGE, taking it from whichever image had it (that one may become dangling). */
export function moveTag(index: ImageIndex, tag: string, image: ImageRecord): void {
  for (const other of Object.values(index.images)) other.names = other.names.filter((n) => n !== tag);
  image.names.push(tag);
}

export type { ImageIndex };
