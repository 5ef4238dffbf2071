import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";
import { inspectEach } from "../inspect.ts";
import { imageInspect } from "../../../engine/image-json.ts";

export default defineBunkerCommand({
  name: "image inspect",
  description: "Display detailed information on one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return inspectEach(str(flags.format), positionals, (ref) => imageInspect(engine, engine.images.resolve(ref)), (ref) => `Error: No such image: ${ref}`);
  },
});
