import { removeVolume } from "../../../engine/volumes.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "volume rm",
  description: "Remove one or more volumes",
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Do not fail when a volume does not exist" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return eachArgument(positionals, (name) => {
      removeVolume(engine, name, bool(flags.force));
      console.log(name);
    });
  },
});
