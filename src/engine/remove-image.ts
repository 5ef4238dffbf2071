// `rmi`: untag, and delete the image once no tag and no container refers to it.
import { displayParts, canonical, parseReference } from "../image/reference.ts";
import { ConflictError, NotFoundError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";

const short = (id: string) => id.slice(7, 19);

function display(name: string): string {
  const { repository, tag } = displayParts(name);
  return `${repository}:${tag}`;
}

/** Returns docker's "Untagged: …" / "Deleted: …" lines. `unusedOnly` (prune): leave an image a container uses alone, even when forced. */
export function removeImage(engine: Engine, ref: string, force: boolean, unusedOnly = false): string[] {
  const image = engine.images.resolve(ref);
  let byName: string | undefined;
  try {
    byName = canonical(parseReference(ref));
  } catch {
    byName = undefined;
  }
  const named = byName !== undefined && image.names.includes(byName);

  const lines = engine.images.update((index) => {
    // Under the lock: a container created from now on finds the image gone (see createContainer), one created before is seen here.
    const users = engine.containers.list().filter((c) => c.Image === image.id);
    const current = index.images[image.id];
    if (!current) throw new NotFoundError(`No such image: ${ref}`);
    if (unusedOnly && users.length > 0) return [];
    const lines: string[] = [];
    let untag: string[];
    if (named && current.names.length > 1) untag = [byName as string];
    else {
      if (!named && current.names.length > 1 && !force)
        throw new ConflictError(`conflict: unable to delete ${short(image.id)} (must be forced) - image is referenced in multiple repositories`);
      if (users.length > 0 && !force) {
        const state = users[0].State.Status === "running" ? "running" : "stopped";
        throw new ConflictError(
          named
            ? `conflict: unable to remove repository reference "${ref}" (must force) - container ${users[0].Id.slice(0, 12)} is using its referenced image ${short(image.id)}`
            : `conflict: unable to delete ${short(image.id)} (must be forced) - image is being used by ${state} container ${users[0].Id.slice(0, 12)}`,
        );
      }
      untag = [...current.names];
    }
    current.names = current.names.filter((n) => !untag.includes(n));
    lines.push(...untag.map((n) => `Untagged: ${display(n)}`));
    if (current.names.length === 0 && users.length === 0) {
      delete index.images[image.id];
      engine.images.pruneLayers(index);
      engine.images.removeBlob(image.id);
      const manifest = current.manifest?.digest;
      if (manifest && !Object.values(index.images).some((i) => i.manifest?.digest === manifest)) engine.images.removeBlob(manifest);
      lines.push(`Deleted: ${image.id}`);
    }
    return lines;
  });
  // docker names the image by its ID in both
  for (const line of lines) imageEvent(engine, line.startsWith("Deleted") ? "delete" : "untag", image.id, image.id);
  return lines;
}
