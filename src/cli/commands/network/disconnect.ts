import { disconnectNetwork } from "../../../engine/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "network disconnect",
  description: "Disconnect a container from a network",
  usage: "[OPTIONS] NETWORK CONTAINER",
  flags: [{ name: "force", short: "f", type: "bool", description: "Force the container to disconnect from a network" }],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, { flags, positionals }) {
    disconnectNetwork(ctx.engine(), positionals[0], positionals[1], bool(flags.force));
  },
});
