// `export`: the container's filesystem (its overlay: image layers and writable
// layer, without /proc, volumes or other mounts) as one tar.
import type { TarOutput } from "../image/tar-writer.ts";
import { writeTar } from "../image/tar-writer.ts";
import type { Engine } from "./engine.ts";
import { withContainerRoot } from "./rootfs/container-root.ts";
import { treeEntries } from "./rootfs/tree-reader.ts";

export async function exportContainer(engine: Engine, ref: string, output: () => TarOutput): Promise<void> {
  const id = engine.containers.resolve(ref);
  await withContainerRoot(engine, id, "layers", (root) => writeTar(treeEntries({ fd: root.fd }, ""), output()));
}
