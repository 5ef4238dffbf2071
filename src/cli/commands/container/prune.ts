import { pruneContainers } from "../../../engine/prune-containers.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneReport } from "../../prune.ts";

export default defineBunkerCommand({
  name: "container prune", // reached only through the container group, as in docker
  description: "Remove all stopped containers",
  usage: "[OPTIONS]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" }],
  maxArgs: 0,
  async run(ctx, { flags }) {
    if (!bool(flags.force) && !(await confirm("WARNING! This will remove all stopped containers."))) return;
    const { ids, reclaimed } = pruneContainers(ctx.engine());
    printPruneReport("Containers", ids, reclaimed);
  },
});
