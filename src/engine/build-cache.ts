// The build cache's place in the store, shared with `build` (issue 7):
//   builder/cache/<id>   one cache object each (a file or a directory named by its id: a step's
//                        cache record, a RUN --mount=type=cache directory, …); its size is its disk usage
//   builder/.lock        a build holds it shared while it reads or writes the cache;
//                        `builder prune` (and `system prune`) hold it exclusively while they delete
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

export class BuildCache {
  readonly dir: string;
  readonly cacheDir: string;

  constructor(root: string) {
    this.dir = join(root, "builder");
    this.cacheDir = join(this.dir, "cache");
  }

  list(): CacheObject[] {
    let names: string[];
    try {
      names = readdirSync(this.cacheDir).filter((n) => !n.startsWith("."));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return names.flatMap((id) => {
      try {
        const st = statSync(join(this.cacheDir, id));
        return [{ id, size: diskUsage(join(this.cacheDir, id)), created: st.birthtime.toISOString(), lastUsed: st.atime.toISOString() }];
      } catch {
        return []; // removed while we listed
      }
    });
  }

  /** Deletes every cache object (none is in use: builds hold the lock shared); returns what went. */
  prune(): CacheObject[] {
    return this.withLock(() => {
      const objects = this.list();
      for (const o of objects) {
        const tomb = join(this.cacheDir, `.removing-${o.id}`);
        renameSync(join(this.cacheDir, o.id), tomb); // out of the listing first, then the files
        rmSync(tomb, { recursive: true, force: true });
      }
      return objects;
    });
  }

  /** For `build`: runs FN while no prune can delete cache objects. */
  whileInUse<T>(fn: () => Promise<T>): Promise<T> {
    mkdirSync(this.cacheDir, { recursive: true });
    return withSharedLockAsync(join(this.dir, ".lock"), fn);
  }

  private withLock<T>(fn: () => T): T {
    return withLock(join(this.dir, ".lock"), fn);
  }
}
