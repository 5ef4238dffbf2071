import { updateChanges, updateContainer } from "../../../engine/update-container.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { CREATE_FLAGS, limitFlags } from "./create-flags.ts";

// The limit flags exactly as run and create define them.
const NAMES = ["memory", "memory-swap", "memory-reservation", "cpus", "cpu-shares", "cpuset-cpus", "cpuset-mems", "pids-limit"];
const FLAGS = CREATE_FLAGS.filter((f) => NAMES.includes(f.name));

export default defineBunkerCommand({
  name: "update",
  description: "Update configuration of one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: FLAGS,
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    if (NAMES.every((n) => flags[n] === undefined)) throw new BunkerError("you must provide one or more flags when using this command", 1);
    const changes = updateChanges(limitFlags(flags));
    const engine = ctx.engine();
    return eachArgument(positionals, (ref) => {
      updateContainer(engine, ref, changes);
      console.log(ref);
    });
  },
});
