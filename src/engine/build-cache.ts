// The build cache as `system df` and the prunes see it (what `build` writes, src/build/cache.ts):
//   image/build-cache/<key>          one cached step each (a small file)
//   image/build-cache-mounts/<id>    a RUN --mount=type=cache directory, kept between builds
//   builder/.lock                    a build holds it shared while it reads or writes the cache;
//                                    `builder prune` (and `system prune`) hold it exclusively while they delete
// Objects are written under a temporary name starting with "." and renamed into place,
// so listing skips dot names.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { diskUsage } from "../lib/disk-usage.ts";
import { withLock, withSharedLockAsync } from "../lib/lock.ts";

export interface CacheObject {
  id: string;
  size: number;
  created: string;
  lastUsed: string;
}

function listDir(dir: string): CacheObject[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith("."));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return names.flatMap((id) => {
    try {
      const st = statSync(join(dir, id));
      return [{ id, size: diskUsage(join(dir, id)), created: st.birthtime.toISOString(), lastUsed: st.atime.toISOString() }];
    } catch {
      return []; // removed while we listed
    }
  });
}

export class BuildCache {
  readonly dir: string;
  readonly cacheDir: string;

  readonly mountsDir: string;

  constructor(root: string, imagesDir: string) {
    this.dir = join(root, "builder");
    this.cacheDir = join(imagesDir, "build-cache");
    this.mountsDir = join(imagesDir, "build-cache-mounts");
  }

  /** The cached steps, and the cache mounts (`mounts`) too. */
  list(mounts = true): CacheObject[] {
    return [...listDir(this.cacheDir), ...(mounts ? listDir(this.mountsDir) : [])];
  }

  /** Deletes the cached steps (and with `mounts` the cache mounts); call it inside `exclusively`, so no build is using them. */
  prune(mounts: boolean): CacheObject[] {
    const removed: CacheObject[] = [];
    for (const [dir, objects] of [[this.cacheDir, listDir(this.cacheDir)], ...(mounts ? [[this.mountsDir, listDir(this.mountsDir)] as const] : [])] as const) {
      for (const o of objects) {
        const tomb = join(dir, `.removing-${o.id}`);
        renameSync(join(dir, o.id), tomb); // out of the listing first, then the files
        rmSync(tomb, { recursive: true, force: true });
        removed.push(o);
      }
    }
    return removed;
  }

  /** For `build`: runs FN while no prune can delete cache objects. */
  whileInUse<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.cacheDir, { recursive: true });
    return withSharedLockAsync(join(this.dir, ".lock"), fn);
  }

  /** For the prunes: runs FN once no build runs, and keeps new ones waiting meanwhile. */
  exclusively<T>(fn: () => T): T {
    mkdirSync(this.dir, { recursive: true });
    return withLock(join(this.dir, ".lock"), fn);
  }
}
