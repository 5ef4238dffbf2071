// The registry transport (docker://NAME, or a plain name for pull and push).
// As a source it resolves a tag or digest to one single-platform manifest and
// offers each layer as the registry's download stream, resumed on a broken
// connection. As a destination it sends each layer as the blob the source
// offers (skipping blobs the registry has, mounting ones it has in another
// repository), then the config and the manifest.
import { formatPlatform, hostPlatform, MANIFEST_ACCEPT, MEDIA, type Manifest, parseManifest, type Platform, selectPlatform } from "../image/manifest.ts";
import { canonical, fullName, parseReference, type Reference } from "../image/reference.ts";
import type { BlobDescriptor } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { RegistryClient, type RegistryOptions } from "../registry/client.ts";
import { REMOTE_PARALLEL } from "./copy.ts";
import { parseImageConfig } from "./image-config.ts";
import { imageManifest, requireBlob } from "./manifest.ts";
import { type CopyEvents, type CopyImage, type CopyOptions, type ImageDestination, type ImageSource, shortId, type WrittenManifest } from "./types.ts";

interface ResolvedManifest {
  manifest: Manifest;
  /** The digest the user's reference resolves to (an index's, for multi-arch images). */
  digest: string;
  /** The single-platform manifest as stored with the image. */
  descriptor: BlobDescriptor;
  bytes: Uint8Array;
}

export class RegistrySource implements ImageSource {
  readonly ref: Reference;
  readonly parallel = REMOTE_PARALLEL;
  /** What the reference resolved to, once images() ran: docker prints it as "Digest: …". */
  digest?: string;
  private readonly client: RegistryClient;

  constructor(
    name: string,
    private readonly platform: Platform = hostPlatform(),
    registry: RegistryOptions = {},
  ) {
    this.ref = parseReference(name);
    this.client = RegistryClient.for(this.ref.domain, this.ref.path, registry);
  }

  async images(events: CopyEvents): Promise<CopyImage[]> {
    const { ref, client } = this;
    events.status(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
    const { manifest, digest, descriptor, bytes } = await this.resolve(events);
    this.digest = digest;
    const id = manifest.config.digest;
    const configBytes = await client.getBlob(id);
    const config = parseImageConfig(configBytes, manifest.layers.length, `invalid image config ${id}`, "the manifest has");
    const layers = manifest.layers.map((l, i) => ({
      diffId: config.rootfs.diff_ids[i],
      blob: { digest: l.digest, size: l.size, mediaType: l.mediaType },
      open: () => client.streamBlob(l.digest),
    }));
    const tags = ref.tag ? [canonical({ ...ref, digest: undefined })] : [];
    return [{ id, configBytes, config, tags, layers, manifest: { bytes, descriptor }, repoDigests: [`${fullName(ref)}@${digest}`] }];
  }

  private async resolve(events: CopyEvents): Promise<ResolvedManifest> {
    const { client, ref, platform } = this;
    const top = await client.getManifest(ref.digest ?? (ref.tag as string), MANIFEST_ACCEPT);
    const parsed = parseManifest(top.bytes, top.mediaType);
    if (parsed.kind === "manifest") {
      return { manifest: parsed.manifest, digest: top.digest, descriptor: { digest: top.digest, size: top.bytes.length, mediaType: top.mediaType }, bytes: top.bytes };
    }
    const entry = selectPlatform(parsed.index, platform);
    const host = hostPlatform();
    if (platform.os !== host.os || platform.architecture !== host.architecture) {
      events.warn(`WARNING: The requested image's platform (${formatPlatform(platform)}) does not match the detected host platform (${formatPlatform(host)}): it will not run here`);
    }
    const one = await client.getManifest(entry.digest, MANIFEST_ACCEPT);
    const inner = parseManifest(one.bytes, one.mediaType);
    if (inner.kind !== "manifest") throw new BunkerError(`manifest ${entry.digest} for ${formatPlatform(platform)} is an index, not an image manifest`);
    return { manifest: inner.manifest, digest: top.digest, descriptor: { digest: one.digest, size: one.bytes.length, mediaType: one.mediaType }, bytes: one.bytes };
  }
}

export class RegistryDestination implements ImageDestination<WrittenManifest[]> {
  readonly ref: Reference;
  private readonly client: RegistryClient;

  /** REGISTRY: credentials an API client sent (X-Registry-Auth) instead of the stored ones. */
  constructor(name: string, registry: RegistryOptions = {}) {
    this.ref = parseReference(name);
    this.client = RegistryClient.for(this.ref.domain, this.ref.path, registry);
  }

  async write(images: CopyImage[], { events }: CopyOptions): Promise<WrittenManifest[]> {
    const { ref, client } = this;
    if (images.length !== 1) throw new BunkerError(`a push sends one image to ${fullName(ref)}, not ${images.length}`);
    const [image] = images;
    events.status(`The push refers to repository [${fullName(ref)}]`);
    // Another repository on the same registry that has the image: its blobs can be mounted instead of uploaded.
    const mountFrom = (image.repoDigests ?? []).map((d) => parseReference(d)).find((r) => r.domain === ref.domain && r.path !== ref.path)?.path;
    // Docker lists the top layer first.
    for (const layer of [...image.layers].reverse()) {
      const blob = requireBlob(layer);
      const short = shortId(blob.digest);
      events.layer(short, "Preparing");
      const result = await client.uploadBlob(blob.digest, blob.size, () => layer.open(), { mountFrom });
      events.layer(short, result === "exists" ? "Layer already exists" : result === "mounted" ? `Mounted from ${mountFrom}` : "Pushed");
    }
    await client.uploadBlob(image.id, image.configBytes.length, async function* () {
      yield image.configBytes;
    });
    // Docker's own manifest format, unless a layer is not gzip (docker schema2 knows no other compression).
    const manifest = imageManifest(image, MEDIA.dockerManifest);
    const tag = ref.tag ?? "latest";
    const digest = await client.putManifest(tag, manifest.mediaType, manifest.bytes);
    return [{ imageId: image.id, name: tag, digest, mediaType: manifest.mediaType, bytes: manifest.bytes }];
  }
}
