import { isatty } from "node:tty";
import { SAVE_FORMATS, type SaveFormat, saveImages } from "../../../engine/save-images.ts";
import { fileOutput, outputPathProblem, stdoutOutput } from "../../../image/tar-writer.ts";
import { BunkerError } from "../../../lib/errors.ts";
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
    const output = str(flags.output);
    if (output === undefined && isatty(1)) throw new BunkerError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
    // docker checks the path before asking for the images, so a typo costs nothing.
    const problem = output === undefined ? undefined : outputPathProblem(output);
    if (problem) throw new BunkerError(`failed to save image: ${problem}`, 1);
    const images = ctx.engine().images;
    await saveImages(images, positionals, format, () => (output === undefined ? stdoutOutput() : fileOutput(output as string)));
  },
});
