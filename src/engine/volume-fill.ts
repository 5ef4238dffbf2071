// Docker's copy-up, made safe across a crash. A container mounting an empty
// volume where its image has a directory fills the volume with that content
// (unless nocopy). The copy is many writes, so it is bracketed by a marker
// beside _data (volumes/<name>/copy-incomplete, out of every container's
// reach): written and fsynced before the first entry, removed only once the
// copy is on disk (syncfs). A volume that has the marker holds a partial copy,
// never to be used as it is: the next mount empties it first (and copies again
// unless nocopy), and `system check --repair` empties it.
// Copy or not is decided by emptiness, as docker decides it (a volume emptied
// by hand is filled again); the marker is what makes that rule hold after a kill.
import { chmodSync, chownSync, closeSync, existsSync, openSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { syncfs } from "../../ffi/fsx.ts";
import { syncDir, writeFileAtomic } from "../lib/atomic.ts";
import { crashPoint } from "../lib/crash-point.ts";
import { BunkerError } from "../lib/errors.ts";
import { copyImageDir, findImageDir } from "./volume-copy.ts";
import type { VolumeRecord, VolumeStore } from "./volume-store.ts";

const MARKER = "copy-incomplete";
/** Entries copied before the `volume.copy-midway` crash point. */
const MIDWAY = 100;

export function hasIncompleteCopy(volumes: VolumeStore, name: string): boolean {
  return existsSync(volumes.path(name, MARKER));
}

/**
 * Empties a volume whose copy-up was interrupted and drops its marker, leaving
 * it as the copy found it: empty, root's, 0755. Only with no container using
 * it (USERS): what one wrote meanwhile would go too. Call under the volumes lock.
 */
export function discardIncompleteCopy(volumes: VolumeStore, volume: VolumeRecord, users: string[] | undefined): void {
  if (users?.length)
    throw new BunkerError(`volume ${volume.Name} holds an interrupted copy of an image's content, and container(s) ${users.join(", ")} use it: copy out what you need and remove them, then mount it again (it is emptied and filled anew)`);
  const data = volume.Mountpoint;
  for (const name of readdirSync(data)) rmSync(`${data}/${name}`, { recursive: true, force: true }); // no container has it: paths are safe
  chownSync(data, 0, 0);
  chmodSync(data, 0o755);
  syncTree(data);
  unlinkSync(volumes.path(volume.Name, MARKER));
  syncDir(volumes.path(volume.Name));
}

/**
 * Gives VOLUME the content a new container's mount of it needs: a partial copy
 * is discarded first (USERS lists the other containers using it), then an empty
 * volume gets the image's directory at DESTINATION (LAYERS top first), unless
 * `copy` is null (nocopy). Call under the volumes lock.
 */
export function fillVolume(volumes: VolumeStore, volume: VolumeRecord, users: () => string[] | undefined, copy: { layers: string[]; destination: string } | null): void {
  if (hasIncompleteCopy(volumes, volume.Name)) discardIncompleteCopy(volumes, volume, users());
  if (!copy || readdirSync(volume.Mountpoint).length > 0) return;
  const src = findImageDir(copy.layers, copy.destination);
  if (!src) return;
  const marker = volumes.path(volume.Name, MARKER);
  writeFileAtomic(marker, `${copy.destination}\n`); // fsynced with its directory: on disk before any entry is
  crashPoint("volume.copy-started");
  try {
    copyImageDir(src, volume.Mountpoint, (n) => n === MIDWAY && crashPoint("volume.copy-midway"));
  } catch (e) {
    // The marker stays: the next mount (or a repair) starts again from empty.
    const code = (e as NodeJS.ErrnoException).code;
    if (!(e instanceof BunkerError) && !["EEXIST", "ELOOP", "ENOENT", "ENOTDIR"].includes(code ?? "")) throw e;
    throw new BunkerError(`volume ${volume.Name} changed while the image's content was copied into it (does a running container use it?): ${(e as Error).message}; remove the containers that use it, then try again`);
  }
  syncTree(volume.Mountpoint);
  crashPoint("volume.copy-done");
  unlinkSync(marker);
  syncDir(volumes.path(volume.Name));
}

/** Puts every write under DIR on disk: one syncfs rather than an fsync per file. */
function syncTree(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    syncfs(fd);
  } finally {
    closeSync(fd);
  }
}
