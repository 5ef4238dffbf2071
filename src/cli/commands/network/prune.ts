import { pruneNetworks } from "../../../engine/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneSection } from "../../prune.ts";

export default defineBunkerCommand({
  name: "network prune",
  description: "Remove all unused networks",
  usage: "[OPTIONS]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" }],
  maxArgs: 0,
  async run(ctx, { flags }) {
    if (!bool(flags.force) && !(await confirm("WARNING! This will remove all custom networks not used by at least one container."))) return;
    printPruneSection("Networks", pruneNetworks(ctx.engine()));
  },
});
