// Where a container's files are seen from the host. A running container's
// rootfs is mounted only inside its own mount namespace: /proc/<pid>/root
// reaches it, with its volumes and the kernel's /proc, /sys and /dev (readers
// decide what to skip: tree-reader.ts). A stopped container has only its
// layers on disk, so its overlay is mounted here on a private temp dir for the
// operation (read-only with the writable layer as the top lowerdir, or with
// upper and work to write) and unmounted after it.
import { mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MNT_DETACH, mount, umount } from "../../../ffi/native.ts";
import { BunkerError } from "../../lib/errors.ts";
import type { LoadedRecord } from "../container-store.ts";
import type { Engine } from "../engine.ts";
import { rootfsLayers } from "../runtime-spec.ts";
import { isProcessAlive } from "../start-container.ts";
import { RootFs } from "./root-fs.ts";

export const MS_RDONLY = 1;

const running = (r: LoadedRecord) => r.State.Running && isProcessAlive(r.State.Pid, r.PidStartTime);

/** Runs `fn` on the container's root tree; whatever was mounted for it is gone afterwards. */
export async function withContainerRoot<T>(engine: Engine, id: string, access: "read" | "write", fn: (root: RootFs) => Promise<T>): Promise<T> {
  const r = engine.containers.load(id);
  if (running(r)) return withProcessRoot(r, fn);
  // Under the container's lock: no start, rm or other copy changes its layers while they are mounted here.
  return engine.containers.withLockAsync(id, async () => {
    const r = engine.containers.load(id);
    if (running(r)) return withProcessRoot(r, fn); // started before we got the lock
    const upper = engine.containers.path(id, "upper");
    if (r.Driver === "vfs") return withDirRoot(upper, fn); // the whole root, as it is
    const { lowerdirs } = rootfsLayers(engine, r);
    const options =
      access === "write" ? `lowerdir=${lowerdirs.join(":")},upperdir=${upper},workdir=${engine.containers.path(id, "work")}` : `lowerdir=${[upper, ...lowerdirs].join(":")}`;
    return withOverlay(options, access === "write" ? 0 : MS_RDONLY, fn);
  });
}

async function withProcessRoot<T>(r: LoadedRecord, fn: (root: RootFs) => Promise<T>): Promise<T> {
  let root: RootFs;
  try {
    root = RootFs.open(`/proc/${r.State.Pid}/root`);
  } catch {
    throw new BunkerError(`container ${r.Id} stopped while its files were being opened; try again`);
  }
  try {
    // The pid may have been reused between load and open: the start time says whether it is still ours.
    if (!isProcessAlive(r.State.Pid, r.PidStartTime)) throw new BunkerError(`container ${r.Id} stopped while its files were being opened; try again`);
    return await fn(root);
  } finally {
    root.close();
  }
}

async function withDirRoot<T>(dir: string, fn: (root: RootFs) => Promise<T>): Promise<T> {
  const root = RootFs.open(dir);
  try {
    return await fn(root);
  } finally {
    root.close();
  }
}

/** Mounts an overlay with these options on a private temp dir for `fn`, and removes it after. */
export async function withOverlay<T>(options: string, flags: number, fn: (root: RootFs) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "bunker-rootfs-"));
  try {
    mount("overlay", dir, "overlay", flags, options);
  } catch (e) {
    rmdirSync(dir);
    throw new BunkerError(`cannot mount the container's filesystem: ${(e as Error).message}`);
  }
  const root = RootFs.open(dir);
  const release = () => {
    root.close();
    try {
      umount(dir);
    } catch {
      umount(dir, MNT_DETACH); // something still holds it: it goes when released
    }
    rmdirSync(dir);
  };
  // A reader that goes away (`export | head`) ends the process from inside the write: the mount must go then too.
  process.once("exit", release);
  try {
    return await fn(root);
  } finally {
    process.off("exit", release);
    release();
  }
}
