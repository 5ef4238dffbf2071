// `images --filter`: dangling=, reference= (on each name), label=, before=, since= (on the image).
import { globToRegExp, referenceMatches } from "../image/image-filter.ts";
import type { ImageRecord, ImageStore } from "../image/store.ts";
import { BunkerError, DaemonError } from "../lib/errors.ts";
import type { Filters } from "../lib/filters.ts";

export const IMAGE_FILTER_KEYS = ["dangling", "reference", "label", "before", "since"] as const;

export interface ImageFilter {
  /** label=, before= and since=: conditions on the image itself. */
  image(image: ImageRecord): boolean;
  /** dangling= and reference=: whether one of an image's names (undefined: it has none) is listed. */
  name(name: string | undefined): boolean;
}

/** The daemon's refusals (no such image, a bad pattern) are its answer to the whole listing. */
function asDaemonError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof BunkerError ? new DaemonError(e.message) : e;
  }
}

/** F: the --filter flags or the API's filters, parsed with IMAGE_FILTER_KEYS. */
export function imageFilter(f: Filters, store: ImageStore): ImageFilter {
  const references = f.values("reference");
  for (const pattern of references) asDaemonError(() => globToRegExp(pattern)); // a bad one fails even if nothing is listed
  const dangling = f.bool("dangling");
  const createdOf = (ref: string) => Date.parse(asDaemonError(() => store.resolve(ref)).created);
  const before = f.values("before").map(createdOf);
  const since = f.values("since").map(createdOf);
  return {
    image(image) {
      const created = Date.parse(image.created);
      if (!before.every((t) => created < t) || !since.every((t) => created > t)) return false;
      return !f.has("label") || f.labels(store.readConfig(image.id).config?.Labels);
    },
    name(name) {
      if (dangling !== undefined && dangling !== (name === undefined)) return false;
      return references.length === 0 || (name !== undefined && references.some((p) => referenceMatches(p, name)));
    },
  };
}
