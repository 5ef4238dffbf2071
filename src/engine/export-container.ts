// `export`: the container's filesystem (its overlay: image layers and writable
// layer) as one tar. Of a running one's mounts (/proc, volumes, tmpfs) only the
// mount points are kept, as in docker's export of the layers alone.
import type { TarOutput } from "../image/tar-writer.ts";
import { writeTar } from "../image/tar-writer.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { withContainerRoot } from "./rootfs/container-root.ts";
import { treeEntries } from "./rootfs/tree-reader.ts";

export async function exportContainer(engine: Engine, ref: string, output: () => TarOutput): Promise<void> {
  const id = engine.containers.resolve(ref);
  await withContainerRoot(engine, id, "read", (root) => {
    const rootDev = root.stat("", false)?.dev;
    return writeTar(treeEntries({ fd: root.fd }, "", { skipContents: (dir) => dir.dev !== rootDev }), output());
  });
  containerEvent(engine, engine.containers.load(id), "export");
}
