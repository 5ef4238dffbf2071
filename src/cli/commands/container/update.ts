import { updateChanges, updateContainer } from "../../../engine/update-container.ts";
import { parseRestartPolicy } from "../../../engine/restart-policy.ts";
import { BunkerError, UsageError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";
import { eachArgument } from "../../each-argument.ts";
import { CREATE_FLAGS, limitFlags } from "./create-flags.ts";

// The limit flags exactly as run and create define them.
const NAMES = ["memory", "memory-swap", "memory-reservation", "cpus", "cpu-shares", "cpuset-cpus", "cpuset-mems", "pids-limit", "restart"];
const FLAGS = CREATE_FLAGS.filter((f) => NAMES.includes(f.name));

export default defineBunkerCommand({
  name: "update",
  description: "Update configuration of one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: FLAGS,
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    if (NAMES.every((n) => flags[n] === undefined)) throw new BunkerError("you must provide one or more flags when using this command", 1);
    const changes = { ...updateChanges(limitFlags(flags)), ...restartChange(str(flags.restart)) };
    const engine = ctx.engine();
    return eachArgument(positionals, async (ref) => {
      await updateContainer(engine, ref, changes);
      console.log(ref);
    });
  },
});

/** --restart: the new policy, checked as run's is. */
function restartChange(text: string | undefined) {
  if (text === undefined) return {};
  const policy = parseRestartPolicy(text);
  if (typeof policy === "string") throw new UsageError(policy);
  return { RestartPolicy: policy };
}
