// Docker's `image inspect` shape for an image in the store.
import type { Engine } from "../../../engine/engine.ts";
import { displayParts, familiarName, parseReference } from "../../../image/reference.ts";
import type { ImageRecord } from "../../../image/store.ts";

export function imageInspect(engine: Engine, image: ImageRecord): Record<string, unknown> {
  const config = engine.images.readConfig(image.id);
  return {
    Id: image.id,
    RepoTags: image.names.map((n) => {
      const { repository, tag } = displayParts(n);
      return `${repository}:${tag}`;
    }),
    RepoDigests: (image.repoDigests ?? []).map((d) => {
      const ref = parseReference(d);
      return `${familiarName(ref)}@${ref.digest}`;
    }),
    Parent: "",
    Comment: config.history?.[config.history.length - 1]?.comment ?? "",
    Created: config.created ?? image.created,
    Author: config.author ?? "",
    Config: config.config ?? {},
    Architecture: config.architecture,
    Os: config.os,
    Size: image.size,
    GraphDriver: { Name: "overlay", Data: { LowerDir: image.layers.map((l) => engine.images.layerDiff(l)).reverse().join(":") } },
    RootFS: { Type: "layers", Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: image.created },
  };
}
