import { setContainerPaused } from "../../../engine/pause-container.ts";
import { type BunkerCommand, defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";

/** `pause` and its inverse `unpause` (unpause.ts) differ only in the direction. */
export function freezeCommand(paused: boolean): BunkerCommand {
  const name = paused ? "pause" : "unpause";
  return defineBunkerCommand({
    name,
    description: `${paused ? "Pause" : "Unpause"} all processes within one or more containers`,
    usage: "CONTAINER [CONTAINER...]",
    flags: [],
    minArgs: 1,
    run(ctx, { positionals }) {
      const engine = ctx.engine();
      return eachArgument(positionals, (ref) => {
        setContainerPaused(engine, ref, paused);
        console.log(ref);
      });
    },
  });
}

export default freezeCommand(true);
