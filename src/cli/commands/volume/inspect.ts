import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";
import { inspectTemplate, printInspect } from "../inspect.ts";
import { volumeInspect } from "./volume-json.ts";

export default defineBunkerCommand({
  name: "volume inspect",
  description: "Display detailed information on one or more volumes",
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const template = await inspectTemplate(str(flags.format));
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (name) => void found.push(volumeInspect(engine.volumes.load(name))),
      (_, e) => `Error: ${e.message}`,
      () => printInspect(found, template),
    );
    return code;
  },
});
