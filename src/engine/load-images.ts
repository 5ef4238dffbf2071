// `load`: an image archive (docker-archive or OCI layout, from a file or stdin,
// maybe gzipped) -> the store, as one copy (src/copy/): the archive is unpacked
// into a scratch dir, every layer is ingested and checked against its config,
// and the images become visible only once all their layers have passed.
import { ArchiveSource } from "../copy/archive-source.ts";
import { copyImages } from "../copy/copy.ts";
import { StoreDestination, type StoredImage } from "../copy/store-destination.ts";
import { NO_EVENTS } from "../copy/types.ts";
import { hostPlatform } from "../image/manifest.ts";
import { familiarTag } from "../image/reference.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";

/** Loads every image in the archive; returns docker's "Loaded image: …" lines. */
export async function loadImages(engine: Engine, input: AsyncIterable<Uint8Array>): Promise<string[]> {
  const store = engine.images;
  const stored = await copyImages(new ArchiveSource(store, () => input, { platform: hostPlatform() }), new StoreDestination(store), NO_EVENTS);
  for (const { record } of stored) imageEvent(engine, "load", record.id, record.id);
  return stored.flatMap(loadedLines);
}

function loadedLines({ record, tags, retagged }: StoredImage): string[] {
  const renamed = retagged.map(({ tag, from }) => `The image ${familiarTag(tag)} already exists, renaming the old one with ID ${from} to empty string`);
  if (tags.length === 0) return [...renamed, `Loaded image ID: ${record.id}`];
  return [...renamed, ...tags.map((t) => `Loaded image: ${familiarTag(t)}`)];
}
