// Looking up a path in a build state's layers without mounting them: the top
// layer that has it (or a whiteout for it) decides. Each layer is searched
// through RootFs, so a symlink in a layer never leads out of it.
import type fs from "node:fs";
import { RootFs } from "../engine/rootfs/root-fs.ts";
import type { ImageStore } from "../image/store.ts";

export function statInImage(store: ImageStore, layers: string[], path: string): fs.Stats | null {
  for (const chain of [...layers].reverse()) {
    const root = RootFs.open(store.layerDiff(chain));
    try {
      const st = root.stat(path, false);
      if (st) return st.isCharacterDevice() && st.rdev === 0 ? null : st; // a whiteout: deleted above the layers below
    } finally {
      root.close();
    }
  }
  return null;
}
