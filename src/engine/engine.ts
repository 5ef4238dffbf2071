// The engine's context: where state lives and the stores over it. Built once per CLI invocation.
import { ImageStore } from "../image/store.ts";
import type { StateDirs } from "../lib/paths.ts";
import { BuildCache } from "./build-cache.ts";
import { ContainerStore } from "./container-store.ts";
import { VolumeStore } from "./volume-store.ts";

export class Engine {
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  readonly volumes: VolumeStore;
  readonly buildCache: BuildCache;

  constructor(readonly dirs: StateDirs) {
    this.images = new ImageStore(dirs.root);
    this.containers = new ContainerStore(dirs.root, dirs.runRoot);
    this.volumes = new VolumeStore(dirs.root);
    this.buildCache = new BuildCache(dirs.root, this.images.dir);
  }
}
