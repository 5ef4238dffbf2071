import type { VolumeRecord } from "../../../engine/volume-store.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";
import { inspectTemplate, printInspect } from "../inspect.ts";

export default defineBunkerCommand({
  name: "volume inspect",
  description: "Display detailed information on one or more volumes",
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const template = await inspectTemplate(str(flags.format));
    const found: Omit<VolumeRecord, "Anonymous">[] = [];
    const code = await eachArgument(
      positionals,
      (name) => {
        const { Anonymous: _, ...shown } = engine.volumes.load(name); // Anonymous is bunker's; docker shows its label
        found.push(shown);
      },
      (_, e) => `Error: ${e.message}`,
    );
    // As docker: what was found is printed (an empty array if nothing), errors go to stderr.
    printInspect(found, template);
    return code;
  },
});
