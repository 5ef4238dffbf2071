import { startContainer } from "../../../engine/start-container.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool, str } from "../../flags.ts";
import { parseDetachKeys } from "../../../runtime/attach-stream.ts";

export default defineBunkerCommand({
  name: "start",
  description: "Start one or more stopped containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: [
    { name: "attach", short: "a", type: "bool", description: "Attach STDOUT/STDERR and forward signals" },
    { name: "interactive", short: "i", type: "bool", description: "Attach container's STDIN" },
    { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const attach = bool(flags.attach) || bool(flags.interactive);
    if (attach && positionals.length > 1) throw new BunkerError("you cannot start and attach multiple containers at once");
    if (attach) {
      const id = engine.containers.resolve(positionals[0]);
      const keys = str(flags["detach-keys"]);
      return startContainer(engine, id, { attach: true, interactive: bool(flags.interactive), detachKeys: keys === undefined ? undefined : parseDetachKeys(keys) });
    }
    return eachArgument(positionals, async (ref) => {
      await startContainer(engine, engine.containers.resolve(ref), { attach: false, interactive: false });
      console.log(ref);
    });
  },
});
