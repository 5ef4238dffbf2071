import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";
import { printInspect } from "../inspect.ts";
import { imageInspect } from "./image-json.ts";

export default defineBunkerCommand({
  name: "image inspect",
  description: "Display detailed information on one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const found: unknown[] = [];
    let failed = false;
    for (const ref of positionals) {
      try {
        found.push(imageInspect(engine, engine.images.resolve(ref)));
      } catch (e) {
        if (!(e instanceof BunkerError)) throw e;
        console.error(`Error: No such image: ${ref}`);
        failed = true;
      }
    }
    printInspect(found, str(flags.format));
    return failed ? 1 : 0;
  },
});
