// `pull`: a registry -> the local store, or, as podman's pull, an archive or OCI
// layout named by a transport reference (oci:, oci-archive:, docker-archive:).
// The copy (src/copy/) streams every layer once: download, verify, unpack,
// several at once; the image becomes visible only after all of it has been verified.
import { copyImages } from "../copy/copy.ts";
import { parseTransportRef } from "../copy/reference.ts";
import { RegistrySource } from "../copy/registry.ts";
import { StoreDestination, type StoredImage } from "../copy/store-destination.ts";
import { sourceFor } from "../copy/transports.ts";
import type { CopyEvents } from "../copy/types.ts";
import { hostPlatform, parsePlatform } from "../image/manifest.ts";
import type { Credentials } from "../registry/credentials.ts";
import { canonical, familiarName, familiarTag } from "../image/reference.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";

export interface PullOptions {
  platform?: string;
  events: CopyEvents;
  /** An API client's credentials (X-Registry-Auth), used instead of the stored ones. */
  credentials?: Credentials;
}

const status = (stored: StoredImage, name: string) => (stored.fresh ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}`);

/** Returns what the CLI prints when done: the reference pulled, or each image an archive held (its tags, else its id). */
export async function pullImage(engine: Engine, reference: string, opts: PullOptions): Promise<string[]> {
  const { events } = opts;
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const source = sourceFor(parseTransportRef(reference), engine.images, platform, { credentials: opts.credentials });
  const stored = await copyImages(source, new StoreDestination(engine.images), events);
  if (source instanceof RegistrySource) {
    const { ref, digest } = source;
    events.status(`Digest: ${digest}`);
    const pulled = ref.tag ? `${familiarName(ref)}:${ref.tag}` : `${familiarName(ref)}@${digest}`;
    events.status(status(stored[0], pulled));
    imageEvent(engine, "pull", pulled, familiarName(ref));
    return [canonical(ref)];
  }
  for (const s of stored) {
    const name = s.tags.length > 0 ? familiarTag(s.tags[0]) : s.record.id;
    events.status(status(s, name));
    imageEvent(engine, "pull", name, name);
  }
  return stored.flatMap((s) => (s.tags.length > 0 ? s.tags : [s.record.id]));
}
