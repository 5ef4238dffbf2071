import { waitContainer } from "../../../engine/container-exit.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgumentAtOnce } from "../../each-argument.ts";

export default defineBunkerCommand({
  name: "wait",
  description: "Block until one or more containers stop, then print their exit codes",
  usage: "CONTAINER [CONTAINER...]",
  flags: [],
  minArgs: 1,
  run(ctx, { positionals }) {
    const engine = ctx.engine();
    return eachArgumentAtOnce(positionals, async (ref) => String(await waitContainer(engine, ref)));
  },
});
