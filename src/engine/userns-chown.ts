// The fallback for --uidmap where idmapped layers are not available (kernels
// before 5.19, or BUNKER_USERNS_CHOWN=1 to force it): the container gets its
// own copy of every lower layer, with owners shifted through the maps, as
// podman does without idmapped mounts. Slower to create and bigger on disk,
// but the container's root owns its rootfs either way.
import { existsSync, lstatSync, lchownSync, mkdirSync, readdirSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import type { IdMapping } from "../runtime/spec.ts";
import { hostId } from "./userns.ts";

/** Whether this kernel can idmap overlayfs lower layers (5.19) — else layers are copied and chowned. */
export function idmappedLayersSupported(kernel = release()): boolean {
  if (process.env.BUNKER_USERNS_CHOWN === "1") return false;
  const [major, minor] = kernel.split(".").map(Number);
  return major > 5 || (major === 5 && minor >= 19);
}

/** Where a container's chowned layer copies live (bottom layer last, as lowerdir lists them). */
export function chownedLayersDir(containerDir: string): string {
  return join(containerDir, "lower");
}

/** Shifts every owner in TREE through the maps (ids the maps lack become the overflow id, as the kernel shows them). */
function shiftOwners(tree: string, uidMap: IdMapping[], gidMap: IdMapping[]): void {
  const walk = (path: string) => {
    const st = lstatSync(path);
    lchownSync(path, hostId(uidMap, st.uid) ?? 65534, hostId(gidMap, st.gid) ?? 65534);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(tree);
}

/**
 * Copies LOWERDIRS (top first) into the container's directory with shifted
 * owners and returns the copies, in the same order. `cp -a` keeps modes,
 * times, xattrs (overlay whiteouts and opaque marks) and hard links, and
 * shares data blocks where the filesystem can (--reflink=auto).
 */
export function chownedLayers(containerDir: string, lowerdirs: string[], uidMap: IdMapping[], gidMap: IdMapping[]): string[] {
  const dir = chownedLayersDir(containerDir);
  mkdirSync(dir, { recursive: true });
  return lowerdirs.map((src, i) => {
    const dest = join(dir, String(i));
    if (existsSync(dest)) return dest;
    const r = Bun.spawnSync(["cp", "-a", "--reflink=auto", `${src}/.`, dest], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new BunkerError(`copying layer ${src} for the user namespace failed: ${r.stderr.toString().trim().split("\n")[0]}`);
    shiftOwners(dest, uidMap, gidMap);
    return dest;
  });
}
