// Docker's container sizes (inspect -s, ps -s): the writable layer, and that plus the image.
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { contentSize } from "../lib/disk-usage.ts";

export interface ContainerSizes {
  SizeRw: number;
  SizeRootFs: number;
}

export function containerSizes(engine: Engine, c: ContainerRecord): ContainerSizes {
  const rw = contentSize(engine.containers.path(c.Id, "upper"));
  return { SizeRw: rw, SizeRootFs: rw + (engine.images.find(c.Image)?.size ?? 0) };
}
