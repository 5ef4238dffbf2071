import { killContainerAndWait } from "../../../engine/container-exit.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "kill",
  description: "Kill one or more running containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: [{ name: "signal", short: "s", type: "string", description: "Signal to send to the container", valueHint: "string" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return eachArgument(positionals, async (ref) => {
      await killContainerAndWait(engine, ref, str(flags.signal) ?? "KILL");
      console.log(ref);
    });
  },
});
