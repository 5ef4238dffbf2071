import { parseLabels } from "../../../engine/create-container.ts";
import { createNetwork } from "../../../engine/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "network create",
  description: "Create a network",
  usage: "[OPTIONS] NETWORK",
  flags: [
    { name: "driver", short: "d", type: "string", description: 'Driver to manage the Network (only "bridge")', valueHint: "string" },
    { name: "subnet", type: "string", description: "Subnet in CIDR format that represents a network segment", valueHint: "string" },
    { name: "gateway", type: "string", description: "IPv4 Gateway for the master subnet", valueHint: "string" },
    { name: "internal", type: "bool", description: "Restrict external access to the network" },
    { name: "label", type: "list", description: "Set metadata on a network", valueHint: "list" },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, { flags, positionals }) {
    const n = createNetwork(ctx.engine(), {
      name: positionals[0],
      driver: str(flags.driver),
      subnet: str(flags.subnet),
      gateway: str(flags.gateway),
      internal: bool(flags.internal),
      labels: parseLabels(list(flags.label)),
    });
    console.log(n.Id);
  },
});
