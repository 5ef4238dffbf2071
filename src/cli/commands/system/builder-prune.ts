import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneReport } from "../../prune.ts";

export default defineBunkerCommand({
  name: "builder prune",
  description: "Remove build cache",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Remove all unused build cache, not just dangling ones" },
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    // Every cache object not held by a running build goes, with or without -a (see engine/build-cache.ts).
    const warning = bool(flags.all) ? "WARNING! This will remove all build cache." : "WARNING! This will remove all dangling build cache.";
    if (!bool(flags.force) && !(await confirm(warning))) return;
    const removed = ctx.engine().buildCache.prune();
    printPruneReport("build cache objects", removed.map((o) => o.id), removed.reduce((n, o) => n + o.size, 0));
  },
});
