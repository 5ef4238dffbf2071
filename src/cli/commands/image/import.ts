import { importImage } from "../../../engine/import-image.ts";
import { defineBunkerCommand } from "../../command.ts";
import { list, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "import",
  description: "Import the contents from a tarball to create a filesystem image",
  usage: "[OPTIONS] file|- [REPOSITORY[:TAG]]",
  flags: [
    { name: "change", short: "c", type: "list", description: "Apply Dockerfile instruction to the created image", valueHint: "list" },
    { name: "message", short: "m", type: "string", description: "Set commit message for imported image", valueHint: "string" },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { flags, positionals }) {
    const id = await importImage(ctx.engine(), {
      source: positionals[0],
      reference: positionals[1],
      changes: list(flags.change),
      message: str(flags.message),
    });
    console.log(id);
  },
});
