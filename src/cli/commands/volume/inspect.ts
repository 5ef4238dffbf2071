import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";
import { inspectEach } from "../inspect.ts";
import { volumeInspect } from "../../../engine/volumes.ts";

export default defineBunkerCommand({
  name: "volume inspect",
  description: "Display detailed information on one or more volumes",
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return inspectEach(str(flags.format), positionals, (name) => volumeInspect(engine.volumes.load(name)), (_, e) => `Error: ${e.message}`);
  },
});
