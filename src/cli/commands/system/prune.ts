import { pruneContainers } from "../../../engine/prune-containers.ts";
import { pruneImages } from "../../../engine/prune-images.ts";
import { pruneVolumes } from "../../../engine/volumes.ts";
import { pruneBuildCache } from "../../../build/prune.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneSection, printPruneTotal } from "../../prune.ts";

/** docker's warning, listing what this prune removes. */
function warning(all: boolean, volumes: boolean): string {
  const what = [
    "all stopped containers",
    ...(volumes ? ["all anonymous volumes not used by at least one container"] : []),
    all ? "all images without at least one container associated to them" : "all dangling images",
    all ? "all build cache" : "unused build cache",
  ];
  return `WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join("")}`;
}

export default defineBunkerCommand({
  name: "system prune",
  description: "Remove unused data",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Remove all unused images not just dangling ones" },
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
    { name: "volumes", type: "bool", description: "Prune anonymous volumes" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const all = bool(flags.all);
    const volumes = bool(flags.volumes);
    if (!bool(flags.force) && !(await confirm(warning(all, volumes)))) return;
    const engine = ctx.engine();
    // Under the builder lock: a running build keeps its base image and cache, and a new one waits for the prune.
    engine.buildCache.exclusively(() => {
      // Containers first: the images and volumes they held become unused.
      const containers = pruneContainers(engine);
      printPruneSection("Containers", containers.ids);
      const vols = volumes ? pruneVolumes(engine, false) : { names: [], reclaimed: 0 };
      printPruneSection("Volumes", vols.names);
      const images = pruneImages(engine, all);
      printPruneSection("Images", images.lines);
      const cache = pruneBuildCache(engine, all);
      printPruneSection("build cache objects", cache.lines);
      printPruneTotal(containers.reclaimed + vols.reclaimed + images.reclaimed + cache.reclaimed);
    });
  },
});
