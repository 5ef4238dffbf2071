import { waitContainer } from "../../../engine/container-exit.ts";
import { UsageError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgumentAtOnce } from "../../each-argument.ts";
import { str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "wait",
  description: "Block until one or more containers stop, then print their exit codes",
  usage: "CONTAINER [CONTAINER...]",
  flags: [{ name: "condition", type: "string", description: 'Wait for "not-running" (default), "next-exit" or "removed"', valueHint: "string" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const condition = str(flags.condition) ?? "not-running";
    if (condition !== "not-running" && condition !== "next-exit" && condition !== "removed") {
      throw new UsageError(`invalid condition "${condition}": use not-running, next-exit or removed`);
    }
    return eachArgumentAtOnce(positionals, async (ref) => String(await waitContainer(engine, ref, condition)));
  },
});
