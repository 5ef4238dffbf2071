// The one model every transport speaks: pull, push, save and load are each a copy
// from an ImageSource to an ImageDestination (the containers/image idea). A
// source hands over whole images with their layers as streams; nothing is read
// until a destination opens a layer, so a layer passes through once, from
// wherever it is to wherever it goes.
import type { ImageConfig } from "../image/config.ts";
import type { BlobDescriptor } from "../image/store.ts";

/** What a copy reports as it goes; the CLI renders it (progress bars on a TTY, plain lines otherwise). */
export interface CopyEvents {
  status(line: string): void;
  warn(line: string): void;
  layer(id: string, status: string, progress?: { current: number; total: number }): void;
}

/** For commands that print no progress (save, load). */
export const NO_EVENTS: CopyEvents = { status() {}, warn() {}, layer() {} };

export interface CopyLayer {
  /** The digest of the uncompressed tar, as the config's rootfs.diff_ids names it: checked by whoever unpacks it. */
  diffId: string;
  /**
   * The layer as open() yields it, as far as the source knows: a registry or an OCI layout knows all
   * three, a classic docker-archive only the size of a plain tar. A digest given is verified on arrival.
   */
  blob: Partial<BlobDescriptor>;
  /** Store an uncompressed layer gzipped (archives hold plain tars; a push then sends gzip, as docker's would). */
  gzipIfPlain?: boolean;
  open(): AsyncIterable<Uint8Array>;
}

export interface CopyImage {
  /** The config's digest, which is the image id. */
  id: string;
  configBytes: Uint8Array;
  /** Validated (ImageConfigSchema) by the source: its diff_ids match `layers`. */
  config: ImageConfig;
  /** Canonical names, e.g. docker.io/library/busybox:latest. */
  tags: string[];
  /** Bottom first. */
  layers: CopyLayer[];
  /** The single-platform manifest the image came with, offered only when it names exactly these config and layer blobs, so its digest stays true. */
  manifest?: { bytes: Uint8Array; descriptor: BlobDescriptor };
  /** Canonical repo@digest names the manifest is known under (docker's RepoDigests). */
  repoDigests?: string[];
}

export interface ImageSource {
  /** Resolves what to copy (reading metadata only); a name that matches nothing fails here, before any destination is touched. */
  images(events: CopyEvents): Promise<CopyImage[]>;
  /** How many layers to move at once (REMOTE_PARALLEL or LOCAL_PARALLEL in copy.ts). */
  readonly parallel: number;
  /** Frees what images() made (an extracted archive); called once the copy ended, however it ended. */
  close?(): void;
}

export interface CopyOptions {
  events: CopyEvents;
  parallel: number;
}

/** R is what the destination reports: the store its image records, the others the manifests they wrote. */
export interface ImageDestination<R> {
  write(images: CopyImage[], opts: CopyOptions): Promise<R>;
}

/** A manifest a destination wrote: push prints "<name>: digest: <digest> size: <size>" for each. */
export interface WrittenManifest {
  /** The image it describes. */
  imageId: string;
  /** What it is known by there: a tag, an OCI ref.name. */
  name: string;
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
}

/** Docker's short layer id in progress lines: 12 hex digits. */
export const shortId = (digest: string) => digest.slice(7, 19);
