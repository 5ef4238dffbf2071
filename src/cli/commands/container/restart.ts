import { stopContainer } from "../../../engine/container-exit.ts";
import { startContainer } from "../../../engine/start-container.ts";
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
      await stopContainer(engine, ref, timeout, str(flags.signal));
      await startContainer(engine, engine.containers.resolve(ref), { attach: false, interactive: false });
      return ref;
    });
  },
});
