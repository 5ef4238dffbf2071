import { stopContainer } from "../../../engine/container-exit.ts";
import type { Engine } from "../../../engine/engine.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgumentAtOnce } from "../../each-argument.ts";
import { type FlagValues, intValue, str } from "../../flags.ts";

export const STOP_FLAGS = [
  { name: "signal", short: "s", type: "string" as const, description: "Signal to send to the container", valueHint: "string" },
  { name: "time", short: "t", type: "string" as const, description: "Seconds to wait before killing the container", valueHint: "int" },
];

/** Stops every container at once, as docker does. */
function stopEach(engine: Engine, flags: FlagValues, refs: string[]): Promise<number> {
  const timeout = intValue(flags.time, "--time");
  return eachArgumentAtOnce(refs, async (ref) => {
    await stopContainer(engine, ref, timeout, str(flags.signal));
    return ref;
  });
}

export default defineBunkerCommand({
  name: "stop",
  description: "Stop one or more running containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: STOP_FLAGS,
  minArgs: 1,
  run: (ctx, { flags, positionals }) => stopEach(ctx.engine(), flags, positionals),
});
