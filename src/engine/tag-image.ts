// `tag`: one more name for an image (taken from whichever image had it).
import { canonical, parseReference } from "../image/reference.ts";
import { moveTag } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { imageEvent } from "./events.ts";
import { familiarTag } from "../image/reference.ts";

export function tagImage(engine: Engine, source: string, target: string): void {
  const ref = parseReference(target);
  if (ref.digest) throw new BunkerError(`refusing to create a tag with a digest reference: ${target}`);
  const name = canonical(ref);
  const image = engine.images.resolve(source);
  engine.images.update((index) => {
    const current = index.images[image.id];
    if (!current) throw new BunkerError(`No such image: ${source}`);
    if (!current.names.includes(name)) moveTag(index, name, current);
  });
  imageEvent(engine, "tag", image.id, familiarTag(name));
}
