import { existsSync, statSync } from "node:fs";
import { isatty } from "node:tty";
import { dirname } from "node:path";
import { SAVE_FORMATS, type SaveFormat, saveImages } from "../../../engine/save-images.ts";
import { fileOutput, stdoutOutput } from "../../../image/tar-writer.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";

/** docker checks the path before asking for the images, so a typo costs nothing. */
function checkOutputPath(path: string): void {
  const dir = dirname(path);
  if (!existsSync(dir)) throw new BunkerError(`failed to save image: invalid output path: directory "${dir}" does not exist`, 1);
  if (existsSync(path) && statSync(path).isDirectory()) throw new BunkerError(`failed to save image: invalid output path: "${path}" is a directory`, 1);
}

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
    if (output !== undefined) checkOutputPath(output);
    const images = ctx.engine().images;
    await saveImages(images, positionals, format, () => (output === undefined ? stdoutOutput() : fileOutput(output)));
  },
});
