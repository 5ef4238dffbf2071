import { pruneVolumes } from "../../../engine/volumes.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneReport } from "../../prune.ts";

const ANONYMOUS_WARNING = "WARNING! This will remove anonymous local volumes not used by at least one container.";
const ALL_WARNING = "WARNING! This will remove all local volumes not used by at least one container.";

export default defineBunkerCommand({
  name: "volume prune",
  description: "Remove unused local volumes",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Remove all unused volumes, not just anonymous ones" },
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const all = bool(flags.all);
    if (!bool(flags.force) && !(await confirm(all ? ALL_WARNING : ANONYMOUS_WARNING))) return;
    const { names, reclaimed } = pruneVolumes(ctx.engine(), all);
    printPruneReport("Volumes", names, reclaimed);
  },
});
