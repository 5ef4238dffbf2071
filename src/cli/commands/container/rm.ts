import { removeContainer } from "../../../engine/remove-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "rm",
  description: "Remove one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: [
    { name: "force", short: "f", type: "bool", description: "Force the removal of a running container (uses SIGKILL)" },
    { name: "volumes", short: "v", type: "bool", description: "Remove anonymous volumes associated with the container" },
  ],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return eachArgument(positionals, (ref) => {
      removeContainer(engine, engine.containers.resolve(ref), { force: bool(flags.force), volumes: bool(flags.volumes) });
      console.log(ref);
    });
  },
});
