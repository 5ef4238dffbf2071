// `diff`: what the container changed, read from its overlay's writable layer
// (upper/) against the layers below, with moby's rules (archive.OverlayChanges):
// a 0:0 character device is a deletion, an opaque directory over a lower one
// too; a path the lower layers have is a change, else an addition; a
// directory whose metadata matches below is only listed as the parent of a change.
import fs from "node:fs";
import { posix } from "node:path";
import { lgetxattr } from "../../ffi/fsx.ts";
import type { Engine } from "./engine.ts";
import { fdPath, RootFs } from "./rootfs/root-fs.ts";
import { rootfsLayers } from "./runtime-spec.ts";
import { assertLayeredRoot } from "./storage-driver.ts";

const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY } = fs.constants;

export interface Change {
  kind: "A" | "C" | "D";
  path: string;
}

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

export function containerChanges(engine: Engine, ref: string): Change[] {
  const id = engine.containers.resolve(ref);
  const record = engine.containers.load(id);
  assertLayeredRoot(record.Driver, "diff");
  const lowers = rootfsLayers(engine, record).lowerdirs.map((dir) => RootFs.open(dir));
  // The upper dir is walked through fds: a running container cannot swap in a symlink that leads the walk onto the host.
  const upper = fs.openSync(engine.containers.path(id, "upper"), O_RDONLY | O_DIRECTORY);
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  const below = (path: string) => {
    for (const layer of lowers) {
      const st = layer.stat(path, false);
      if (st) return st;
    }
    return null;
  };

  const visit = (dirFd: number, dir: string) => {
    for (const name of fs.readdirSync(fdPath(dirFd)).sort()) {
      const path = posix.join(dir, name);
      const st = fs.lstatSync(fdPath(dirFd, name));
      let kind: Change["kind"] | null;
      const opaque = st.isDirectory() && lgetxattr(fdPath(dirFd, name), "trusted.overlay.opaque")?.toString() === "y";
      if (isWhiteout(st) || (opaque && below(path))) kind = "D";
      else kind = classify(st, below(path));
      if (kind !== null) {
        if (st.isDirectory()) changedDirs.add(path);
        const parent = posix.dirname(path);
        if ((kind === "A" || kind === "D") && parent !== "/" && !changedDirs.has(parent)) {
          changes.push({ kind: "C", path: parent });
          changedDirs.add(parent);
        }
        changes.push({ kind, path });
      }
      if (st.isDirectory()) {
        const fd = fs.openSync(fdPath(dirFd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        try {
          visit(fd, path);
        } finally {
          fs.closeSync(fd);
        }
      }
    }
  };
  try {
    visit(upper, "/");
  } finally {
    fs.closeSync(upper);
    for (const layer of lowers) layer.close();
  }
  return changes;
}

/** Added, changed, or (a directory only copied up for a child's sake) not listed: null. */
function classify(st: fs.Stats, lower: fs.Stats | null): Change["kind"] | null {
  if (!lower) return "A";
  if (st.isDirectory() && lower.isDirectory() && st.size === lower.size && st.mode === lower.mode && st.mtimeMs === lower.mtimeMs) return null;
  return "C";
}
