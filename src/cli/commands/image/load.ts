import { isatty } from "node:tty";
import { loadImages } from "../../../engine/load-images.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "load",
  description: "Load an image from a tar archive or STDIN",
  usage: "[OPTIONS]",
  flags: [
    { name: "input", short: "i", type: "string", description: "Read from tar archive file, instead of STDIN", valueHint: "string" },
    // There is no progress output to suppress yet; accepted so docker scripts run unchanged.
    { name: "quiet", short: "q", type: "bool", description: "Suppress the load output" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const path = str(flags.input);
    if (path === undefined && isatty(0)) throw new BunkerError("requested load from stdin, but stdin is empty", 1);
    const file = path === undefined ? Bun.stdin : Bun.file(path);
    if (path !== undefined && !(await file.exists())) throw new BunkerError(`open ${path}: no such file or directory`, 1);
    const lines = await loadImages(ctx.engine(), file.stream() as unknown as AsyncIterable<Uint8Array>);
    for (const line of lines) console.log(line);
  },
});
