import { exportContainer } from "../../../engine/export-container.ts";
import { archiveOutput } from "../../archive-output.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "export",
  description: "Export a container's filesystem as a tar archive",
  usage: "[OPTIONS] CONTAINER",
  flags: [{ name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT", valueHint: "string" }],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const output = archiveOutput(str(flags.output), "failed to export container");
    return eachArgument(positionals, (ref) => exportContainer(ctx.engine(), ref, output));
  },
});
