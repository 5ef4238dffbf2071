// Which storage driver makes container root filesystems:
//   overlay  the image layers stay shared; each container gets an overlay with its own upper dir
//   vfs      each container's upper dir is a full copy of its image (init layer included), used
//            as its root directly: slower to create and bigger, but needs no overlayfs
// BUNKER_STORAGE_DRIVER (or the global --storage-driver flag) chooses; otherwise overlay if the
// kernel has it and the store's filesystem can carry an upper dir (overlayfs refuses an upper
// dir on overlayfs, as on a host that itself runs in a container), else vfs.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";

export type StorageDriver = "overlay" | "vfs";

const DRIVERS = new Set(["overlay", "vfs"]);

/** The filesystem type PATH lives on, from the longest mount point that contains it. */
export function filesystemType(path: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string {
  let best = { point: "", type: "" };
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const point = line.slice(0, sep).split(" ")[4].replace(/\\040/g, " ");
    const inside = point === "/" || path === point || path.startsWith(`${point}/`);
    if (inside && point.length >= best.point.length) best = { point, type: line.slice(sep + 3).split(" ")[0] };
  }
  return best.type;
}

export function overlaySupported(root: string): boolean {
  const kernelHasIt = readFileSync("/proc/filesystems", "utf8").split("\n").some((l) => l.trim().endsWith("overlay"));
  return kernelHasIt && filesystemType(root) !== "overlay";
}

/** The driver for new containers under ROOT. */
export function storageDriver(root: string): StorageDriver {
  const forced = process.env.BUNKER_STORAGE_DRIVER;
  if (forced) {
    if (!DRIVERS.has(forced)) throw new BunkerError(`unknown storage driver "${forced}": use overlay or vfs`);
    return forced as StorageDriver;
  }
  return overlaySupported(root) ? "overlay" : "vfs";
}

/** diff and commit read the changes from an overlay upper dir; a vfs root is a full copy with no record of them. */
export function assertLayeredRoot(driver: string, action: string): void {
  if (driver === "vfs") throw new BunkerError(`${action} needs the overlay storage driver: this container's root is a vfs copy, which keeps no record of its changes`);
}
