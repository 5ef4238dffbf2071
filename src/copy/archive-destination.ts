// Archives and OCI layouts as destinations (save; push to docker-archive:,
// oci-archive:, oci:). A tar goes to its output entry by entry, layers streamed
// from their source, and appears only when complete (tar-writer.ts). An OCI
// layout directory gets each blob it lacks (verified, then renamed into
// place) and then index.json, which keeps the entries of other images.
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BlobWriter } from "../image/blob-writer.ts";
import { digestHex } from "../image/digest.ts";
import { ANNOTATION, MEDIA, parseManifest } from "../image/manifest.ts";
import { tryCanonical } from "../image/reference.ts";
import { type TarEntry, type TarOutput, writeTar } from "../image/tar-writer.ts";
import { writeFileAtomic } from "../lib/atomic.ts";
import { BunkerError } from "../lib/errors.ts";
import { dockerArchive, type IndexEntry, indexJson, OCI_LAYOUT_VERSION, ociArchive, ociLayout } from "./archive-write.ts";
import type { CopyImage, ImageDestination, WrittenManifest } from "./types.ts";

export type ArchiveFormat = "docker-archive" | "oci-archive";

/** A name in the reference (docker-archive:PATH:NAME, oci:DIR:NAME) names one image. */
function checkOne(images: CopyImage[], name: string | undefined): void {
  if (name !== undefined && images.length !== 1) throw new BunkerError(`the name "${name}" can name one image, not ${images.length}`);
}

export class ArchiveDestination implements ImageDestination<WrittenManifest[]> {
  /** `open` runs only once every image is found, so a failed lookup leaves no temp file. */
  constructor(
    private readonly format: ArchiveFormat,
    private readonly open: () => TarOutput,
    private readonly name?: string,
  ) {}

  async write(images: CopyImage[]): Promise<WrittenManifest[]> {
    const { name } = this;
    checkOne(images, name);
    if (this.format === "docker-archive") {
      const tag = name === undefined ? undefined : tryCanonical(name);
      if (name !== undefined && !tag) throw new BunkerError(`invalid docker-archive name "${name}"`);
      await writeTar(dockerArchive(tag ? images.map((i) => ({ ...i, tags: [tag] })) : images), this.open());
      return [];
    }
    const layout = ociLayout(images, name);
    await writeTar(ociArchive(layout), this.open());
    return layout.written;
  }
}

let tmpCounter = 0;

export class LayoutDirDestination implements ImageDestination<WrittenManifest[]> {
  constructor(
    private readonly dir: string,
    private readonly refName?: string,
  ) {}

  async write(images: CopyImage[]): Promise<WrittenManifest[]> {
    const { dir } = this;
    checkOne(images, this.refName);
    const layout = ociLayout(images, this.refName);
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new BunkerError(`${dir} is not a directory`);
    const known = this.existingIndex(); // before anything is written: a layout we cannot add to stays as it was
    mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    if (!existsSync(join(dir, "oci-layout"))) writeFileAtomic(join(dir, "oci-layout"), OCI_LAYOUT_VERSION);
    for (const [digest, entry] of layout.blobs) await this.writeBlob(digest, entry);
    // The index goes last: a reader never finds an entry whose blobs are not all there.
    const manifests = [...known.filter((old) => !layout.entries.some((e) => replaces(e, old))), ...layout.entries];
    writeFileAtomic(join(dir, "index.json"), indexJson(manifests));
    return layout.written;
  }

  /** The entries already in the layout; its oci-layout must be one we can add to. */
  private existingIndex(): IndexEntry[] {
    const layoutFile = join(this.dir, "oci-layout");
    if (existsSync(layoutFile)) {
      let version: unknown;
      try {
        version = JSON.parse(readFileSync(layoutFile, "utf8"))?.imageLayoutVersion;
      } catch {
        version = undefined;
      }
      if (version !== "1.0.0") throw new BunkerError(`${this.dir} is not an OCI layout bunker can add to: its oci-layout version is ${JSON.stringify(version)}`);
    }
    const indexFile = join(this.dir, "index.json");
    if (!existsSync(indexFile)) return [];
    const parsed = parseManifest(readFileSync(indexFile), MEDIA.ociIndex);
    if (parsed.kind !== "index") throw new BunkerError(`${indexFile} is not an image index`);
    return parsed.index.manifests as IndexEntry[];
  }

  /** A blob the layout has is kept (it is named by its digest); a new one is verified before it appears. */
  private async writeBlob(digest: string, entry: TarEntry): Promise<void> {
    const blobs = join(this.dir, "blobs", "sha256");
    if (existsSync(join(blobs, digestHex(digest)))) return;
    const writer = new BlobWriter(blobs, join(this.dir, `.${digestHex(digest)}.${process.pid}-${tmpCounter++}.tmp`));
    try {
      if ("data" in entry) writer.write(Buffer.from(entry.data));
      else for await (const chunk of entry.open()) writer.write(chunk);
      writer.commit(digest);
    } catch (e) {
      writer.abort();
      throw e;
    }
  }
}

/** As containers/image: a new entry replaces one of the same ref.name, and an unnamed one of the same digest. */
function replaces(entry: IndexEntry, old: IndexEntry): boolean {
  const name = old.annotations?.[ANNOTATION.refName];
  return name !== undefined ? name === entry.annotations?.[ANNOTATION.refName] : old.digest === entry.digest;
}
