// `save`: images of the store -> one tar archive, docker-archive or oci-archive
// (src/copy/archive-write.ts has both layouts). Nothing is written until every
// image named is found.
import { ArchiveDestination, type ArchiveFormat } from "../copy/archive-destination.ts";
import { copyImages } from "../copy/copy.ts";
import { selectForSave, StoreSource } from "../copy/store-source.ts";
import { NO_EVENTS } from "../copy/types.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";
import type { TarOutput } from "../image/tar-writer.ts";

export const SAVE_FORMATS: readonly ArchiveFormat[] = ["docker-archive", "oci-archive"];
export type SaveFormat = ArchiveFormat;

export async function saveImages(engine: Engine, refs: string[], format: SaveFormat, open: () => TarOutput): Promise<void> {
  const store = engine.images;
  const selected = selectForSave(store, refs);
  await copyImages(new StoreSource(store, selected, "save"), new ArchiveDestination(format, open), NO_EVENTS);
  for (const { record } of selected()) imageEvent(engine, "save", record.id, record.id);
}
