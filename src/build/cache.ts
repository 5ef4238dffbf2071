// The build cache: a step's key (its parent state, the instruction after
// substitution, and the content of what it copies) -> the state it produced.
// One small file per key under image/build-cache/, written atomically; a hit
// only reads it and checks that the config blob and layers are still there,
// so a cached step costs no container and no layer read. Parallel builds that
// miss at once both build, and the last writer's entry stays: both are valid.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "../image/digest.ts";
import type { ImageStore } from "../image/store.ts";
import { writeJsonAtomic } from "../lib/atomic.ts";
import type { BuildState } from "./state.ts";

interface Entry {
  id: string;
  layers: string[];
  size: number;
}

export class BuildCache {
  private readonly dir: string;

  constructor(private readonly store: ImageStore) {
    this.dir = join(store.dir, "build-cache");
  }

  /** The key of a step: everything that decides its result. */
  static key(parts: unknown[]): string {
    return sha256(JSON.stringify(parts)).slice(7);
  }

  lookup(key: string): BuildState | undefined {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(join(this.dir, key), "utf8"));
    } catch {
      return undefined;
    }
    if (!this.store.hasBlob(entry.id) || !entry.layers.every((l) => this.store.hasLayer(l))) return undefined; // pruned since
    return { ...entry, config: this.store.readConfig(entry.id) };
  }

  remember(key: string, state: BuildState): void {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(join(this.dir, key), { id: state.id, layers: state.layers, size: state.size } satisfies Entry, { durable: false });
  }
}
