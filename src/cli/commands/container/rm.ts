import { removeContainer } from "../../../engine/remove-container.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "rm",
  description: "Remove one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Force the removal of a running container (uses SIGKILL)" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    let failed = false;
    for (const ref of positionals) {
      try {
        removeContainer(engine, engine.containers.resolve(ref), { force: bool(flags.force) });
        console.log(ref);
      } catch (e) {
        if (!(e instanceof BunkerError)) throw e;
        console.error(`Error response from daemon: ${e.message}`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
});
