// `push IMAGE [DESTINATION]`: the local store -> a registry (under IMAGE's own
// name, or DESTINATION's), or, as podman's push, an archive or OCI layout named
// by a transport reference. Layers go as the compressed blobs the store kept,
// so their digests are the ones the manifest names (src/copy/).
import { copyImages } from "../copy/copy.ts";
import { parseTransportRef } from "../copy/reference.ts";
import { RegistryDestination } from "../copy/registry.ts";
import { selectImage, StoreSource } from "../copy/store-source.ts";
import { destinationFor } from "../copy/transports.ts";
import type { CopyEvents, WrittenManifest } from "../copy/types.ts";
import type { Credentials } from "../registry/credentials.ts";
import { fullName } from "../image/reference.ts";
import type { ImageStore } from "../image/store.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";

/** CREDENTIALS: an API client's (X-Registry-Auth), used instead of the stored ones. */
export async function pushImage(engine: Engine, image: string, destination: string | undefined, events: CopyEvents, credentials?: Credentials): Promise<void> {
  const ref = destination === undefined ? { transport: "name" as const, name: image } : parseTransportRef(destination);
  const dest = destinationFor(ref, { credentials });
  const written = await copyImages(new StoreSource(engine.images, selectImage(engine.images, image), "push"), dest, events);
  for (const manifest of written) {
    if (dest instanceof RegistryDestination) remember(engine.images, manifest, `${fullName(dest.ref)}@${manifest.digest}`);
    events.status(`${manifest.name}: digest: ${manifest.digest} size: ${manifest.bytes.length}`);
  }
  imageEvent(engine, "push", destination ?? image, destination ?? image);
}

/** The image is now also known under the registry's repo digest (docker's RepoDigests), with the manifest that gives it. */
function remember(store: ImageStore, manifest: WrittenManifest, repoDigest: string): void {
  store.update((index) => {
    const current = index.images[manifest.imageId];
    if (!current) return;
    store.putBlob(manifest.bytes); // under the lock, named by the image at once: never an orphan a check would remove
    current.repoDigests = [...new Set([...(current.repoDigests ?? []), repoDigest])];
    current.manifest ??= { digest: manifest.digest, size: manifest.bytes.length, mediaType: manifest.mediaType };
  });
}
