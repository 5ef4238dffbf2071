import { removeNetwork } from "../../../engine/networks.ts";
import { NotFoundError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "network rm",
  description: "Remove one or more networks",
  usage: "NETWORK [NETWORK...]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Do not error if the network does not exist" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return eachArgument(positionals, (ref) => {
      try {
        removeNetwork(engine, ref);
      } catch (e) {
        if (bool(flags.force) && e instanceof NotFoundError) return;
        throw e;
      }
      console.log(ref);
    });
  },
});
