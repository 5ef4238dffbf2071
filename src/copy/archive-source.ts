// Archives and OCI layouts as sources (load; pull of docker-archive:, oci-archive:, oci:).
// A tar archive is unpacked into a scratch dir under image/tmp first: its members
// come in no useful order (docker writes manifest.json last), and layers are then
// read from there, several at once. The scratch dir goes when the copy ends.
// An OCI layout directory is read where it is.
import { existsSync, rmSync, statSync } from "node:fs";
import { extractArchive, layoutDirectory } from "../image/archive-extract.ts";
import type { Platform } from "../image/manifest.ts";
import type { ImageStore } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { type ArchiveLayout, readArchivedImages } from "./archive-read.ts";
import { LOCAL_PARALLEL } from "./copy.ts";
import type { CopyImage, ImageSource } from "./types.ts";

export interface ArchiveOptions {
  /** The layout the reference names; undefined (load) takes whichever the archive holds. */
  layout?: ArchiveLayout;
  /** A multi-platform OCI index yields this platform's image. */
  platform: Platform;
  /** Only the images of this name (docker-archive:PATH:NAME, oci-archive:PATH:TAG). */
  select?: string;
}

export class ArchiveSource implements ImageSource {
  readonly parallel = LOCAL_PARALLEL;
  private scratch?: string;

  constructor(
    private readonly store: ImageStore,
    private readonly input: () => AsyncIterable<Uint8Array>,
    private readonly opts: ArchiveOptions,
  ) {}

  /** A tar file; docker's wording when it is missing. */
  static file(store: ImageStore, path: string, opts: ArchiveOptions): ArchiveSource {
    if (!existsSync(path)) throw new BunkerError(`open ${path}: no such file or directory`);
    return new ArchiveSource(store, () => Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>, opts);
  }

  async images(): Promise<CopyImage[]> {
    this.scratch = this.store.newTempDir();
    return readArchivedImages(await extractArchive(this.input(), this.scratch), this.opts);
  }

  close(): void {
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }
}

export class LayoutDirSource implements ImageSource {
  readonly parallel = LOCAL_PARALLEL;

  constructor(
    private readonly dir: string,
    private readonly opts: Omit<ArchiveOptions, "layout">,
  ) {}

  async images(): Promise<CopyImage[]> {
    if (!existsSync(this.dir)) throw new BunkerError(`open ${this.dir}: no such directory`);
    if (!statSync(this.dir).isDirectory()) throw new BunkerError(`${this.dir} is not a directory (an OCI layout archive is oci-archive:${this.dir})`);
    return readArchivedImages(layoutDirectory(this.dir), { ...this.opts, layout: "oci" });
  }
}
