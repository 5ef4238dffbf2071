import { pruneBuildCache } from "../../build/prune.ts";
import { defineBunkerCommand } from "../command.ts";
import { bool } from "../flags.ts";
import { confirm, printPruneReport } from "../prune.ts";

export default defineBunkerCommand({
  name: "builder prune", // reached only through the builder group, as in docker
  description: "Remove build cache",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Remove all unused build cache, including RUN --mount=type=cache directories" },
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    if (!bool(flags.force) && !(await confirm("WARNING! This will remove all dangling build cache."))) return;
    const engine = ctx.engine();
    const { lines, reclaimed } = engine.buildCache.exclusively(() => pruneBuildCache(engine, bool(flags.all)));
    printPruneReport("build cache objects", lines, reclaimed);
  },
});
