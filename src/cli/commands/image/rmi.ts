import { removeImage } from "../../../engine/remove-image.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "rmi",
  description: "Remove one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Force removal of the image" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    let failed = false;
    for (const ref of positionals) {
      try {
        for (const line of removeImage(ctx.engine(), ref, bool(flags.force))) console.log(line);
      } catch (e) {
        if (!(e instanceof BunkerError)) throw e;
        console.error(`Error response from daemon: ${e.message}`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
});
