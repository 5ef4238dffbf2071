import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";
import { inspectTemplate, printInspect } from "../inspect.ts";
import { imageInspect } from "./image-json.ts";

export default defineBunkerCommand({
  name: "image inspect",
  description: "Display detailed information on one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const template = await inspectTemplate(str(flags.format));
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (ref) => void found.push(imageInspect(engine, engine.images.resolve(ref))),
      (ref) => `Error: No such image: ${ref}`,
      () => printInspect(found, template),
    );
    return code;
  },
});
