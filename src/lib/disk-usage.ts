// How much a directory tree takes: on disk, as `du` counts it (allocated blocks,
// each inode once), and its content, as docker's prune reports count it (file bytes).
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Identifies inodes already counted, so hard links and trees walked twice count once (as one `du` run does). */
export type SeenInodes = Set<string>;

/** Bytes allocated to PATH and everything under it, like `du -sB1`; 0 if it does not exist. */
export function diskUsage(path: string, seen: SeenInodes = new Set()): number {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0; // removed while we walked
    throw e;
  }
  const key = `${st.dev}:${st.ino}`;
  if (seen.has(key)) return 0;
  seen.add(key);
  let total = Number(st.blocks) * 512;
  if (st.isDirectory()) for (const name of readdirSync(path)) total += diskUsage(join(path, name), seen);
  return total;
}

/** Bytes of the files (not directories) under DIR: what docker reports as a volume's size; 0 if DIR is missing. */
export function contentSize(dir: string): number {
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw e;
  }
  let total = 0;
  for (const entry of entries) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? contentSize(p) : lstatSync(p).size;
  }
  return total;
}
