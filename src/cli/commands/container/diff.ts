import { containerChanges } from "../../../engine/container-diff.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";

export default defineBunkerCommand({
  name: "diff",
  description: "Inspect changes to files or directories on a container's filesystem",
  usage: "CONTAINER",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, { positionals }) {
    return eachArgument(positionals, (ref) => {
      process.stdout.write(containerChanges(ctx.engine(), ref).map((c) => `${c.kind} ${c.path}\n`).join(""));
    });
  },
});
