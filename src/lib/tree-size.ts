// Bytes in a directory tree: a volume's content, a container's writable layer.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function treeSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? treeSize(p) : lstatSync(p).size;
  }
  return total;
}
