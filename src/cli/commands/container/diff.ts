import { containerChanges } from "../../../engine/container-diff.ts";
import { defineBunkerCommand } from "../../command.ts";

export default defineBunkerCommand({
  name: "diff",
  description: "Inspect changes to files or directories on a container's filesystem",
  usage: "CONTAINER",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, { positionals }) {
    const changes = containerChanges(ctx.engine(), positionals[0]);
    process.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(""));
  },
});
