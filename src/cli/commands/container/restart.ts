import { restartContainer } from "../../../engine/container-exit.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgumentAtOnce } from "../../each-argument.ts";
import { intValue, str } from "../../flags.ts";
import { STOP_FLAGS } from "./stop.ts";

export default defineBunkerCommand({
  name: "restart",
  description: "Restart one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: STOP_FLAGS,
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const timeout = intValue(flags.time, "--time");
    return eachArgumentAtOnce(positionals, async (ref) => {
      await restartContainer(engine, ref, timeout, str(flags.signal));
      return ref;
    });
  },
});
