// copy(source, destination): the whole of pull, push, save and load. The
// source resolves its images first (metadata only), so a name that matches
// nothing fails before the destination creates anything; then the destination
// pulls each layer through once.
import type { CopyEvents, ImageDestination, ImageSource } from "./types.ts";

/** A registry's layers: several downloads at once overlap their network waits. */
export const REMOTE_PARALLEL = 4;

/**
 * Local layers: unpacking runs on this thread while copies of plain ones are gzipped on zlib's
 * threads, so a few at once keep every core busy; more would only contend for the disk.
 */
export const LOCAL_PARALLEL = Math.min(4, Math.max(2, navigator.hardwareConcurrency));

export async function copyImages<R>(source: ImageSource, destination: ImageDestination<R>, events: CopyEvents): Promise<R> {
  try {
    const images = await source.images(events);
    return await destination.write(images, { events, parallel: source.parallel });
  } finally {
    source.close?.();
  }
}
