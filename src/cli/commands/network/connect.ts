import { connectNetwork } from "../../../engine/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { list, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "network connect",
  description: "Connect a container to a network",
  usage: "[OPTIONS] NETWORK CONTAINER",
  flags: [
    { name: "ip", type: "string", description: "IPv4 address (e.g., 172.30.100.104)", valueHint: "string" },
    { name: "alias", type: "list", description: "Add network-scoped alias for the container", valueHint: "strings" },
  ],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, { flags, positionals }) {
    connectNetwork(ctx.engine(), positionals[0], positionals[1], { ip: str(flags.ip), aliases: list(flags.alias) });
  },
});
