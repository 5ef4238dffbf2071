// How much a directory tree takes: on disk, as `du` counts it (allocated blocks,
// each inode once), and its content, as docker's prune reports count it (file bytes).
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Identifies inodes already counted, so hard links and trees walked twice count once (as one `du` run does). */
export type SeenInodes = Set<string>;

/** FN's result, or FALLBACK if what it reads was removed meanwhile (a prune or rm running beside us). */
function unlessGone<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw e;
  }
}

/** Bytes allocated to PATH and everything under it, like `du -sB1`; 0 if it does not exist. */
export function diskUsage(path: string, seen: SeenInodes = new Set()): number {
  const st = unlessGone(() => lstatSync(path), null);
  if (!st) return 0;
  const key = `${st.dev}:${st.ino}`;
  if (seen.has(key)) return 0;
  seen.add(key);
  let total = Number(st.blocks) * 512;
  if (st.isDirectory()) for (const name of unlessGone(() => readdirSync(path), [])) total += diskUsage(join(path, name), seen);
  return total;
}

/** Bytes of the files (not directories) under DIR: what docker reports as a volume's size; 0 if DIR is missing. */
export function contentSize(dir: string): number {
  let total = 0;
  for (const entry of unlessGone(() => readdirSync(dir, { withFileTypes: true }), [])) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? contentSize(p) : unlessGone(() => lstatSync(p).size, 0);
  }
  return total;
}
