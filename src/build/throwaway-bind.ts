// A writable bind source for one RUN step whose writes go nowhere: as in
// BuildKit, `RUN --mount=type=bind,rw` is copy on write, and what the step
// writes is discarded after it. The source (an fd, resolved inside its tree by
// the caller) becomes the lower dir of an overlay with a scratch upper dir, so
// nothing reaches it; without overlayfs (storage-driver.ts), where the source's
// file system refuses to be a lower dir, or for a single file, the step gets a
// copy instead, read through fds.
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MNT_DETACH, mount, umount } from "../../ffi/native.ts";
import { copyEntries as copyTree } from "../engine/copy-files.ts";
import { fdPath, RootFs } from "../engine/rootfs/root-fs.ts";
import { treeEntries } from "../engine/rootfs/tree-reader.ts";
import { TreeWriter } from "../engine/rootfs/tree-writer.ts";
import { storageDriver } from "../engine/storage-driver.ts";
import type { ImageStore } from "../image/store.ts";

export interface ThrowawayBind {
  /** The host path to bind into the step's container. */
  path: string;
  /** Unmounts and removes the scratch copy: the step's writes are gone. */
  release(): void;
}

/** A private, writable view of the tree (or file) at `source`, under a scratch dir of the store. */
export async function throwawayBind(store: ImageStore, source: number): Promise<ThrowawayBind> {
  const scratch = store.newTempDir();
  const remove = () => fs.rmSync(scratch, { recursive: true, force: true });
  try {
    const view = fs.fstatSync(source).isDirectory() && storageDriver(store.dir) === "overlay" ? overlayView(scratch, source, remove) : null;
    if (view) return view;
    const out = RootFs.open(scratch);
    const umask = process.umask(0); // TreeWriter sets 0 for exact modes: the rest of the build keeps its own
    try {
      await copyTree(treeEntries({ fd: source }, "copy"), new TreeWriter(out, "", "keep"));
    } finally {
      process.umask(umask);
      out.close();
    }
    return { path: join(scratch, "copy"), release: remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** An overlay on the source, or null when this file system cannot be its lower dir (the caller copies then). */
function overlayView(scratch: string, source: number, remove: () => void): ThrowawayBind | null {
  const [upper, work] = ["upper", "work"].map((d) => join(scratch, d));
  for (const d of [upper, work]) fs.mkdirSync(d);
  // Mounted outside the store: a mount left by a killed build never stands in the way of the store's tmp sweep.
  const merged = fs.mkdtempSync(join(tmpdir(), "bunker-bind-"));
  try {
    // The lower dir is named by our fd, so no symlink swapped into the context meanwhile can redirect it.
    mount("overlay", merged, "overlay", 0, `lowerdir=${fdPath(source)},upperdir=${upper},workdir=${work}`);
  } catch {
    fs.rmdirSync(merged);
    return null;
  }
  const release = () => {
    process.off("exit", release);
    try {
      umount(merged);
    } catch {
      umount(merged, MNT_DETACH); // something still holds it: it goes when released
    }
    fs.rmdirSync(merged);
    remove();
  };
  process.once("exit", release); // a build that fails or is cancelled mid-step leaves no mount behind
  return { path: merged, release };
}
