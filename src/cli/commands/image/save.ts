import { SAVE_FORMATS, type SaveFormat, saveImages } from "../../../engine/save-images.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { archiveOutput } from "../../archive-output.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "save",
  description: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [
    { name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT", valueHint: "string" },
    { name: "format", type: "string", description: "Archive layout: docker-archive (default) or oci-archive", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const format = (str(flags.format) ?? "docker-archive") as SaveFormat;
    if (!SAVE_FORMATS.includes(format)) throw new BunkerError(`unsupported format "${format}": use ${SAVE_FORMATS.join(" or ")}`);
    // docker checks the path before asking for the images, so a typo costs nothing.
    const output = archiveOutput(str(flags.output), "failed to save image");
    await saveImages(ctx.engine(), positionals, format, output);
  },
});
