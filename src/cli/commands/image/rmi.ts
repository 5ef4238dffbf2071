import { removeImage } from "../../../engine/remove-image.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool } from "../../flags.ts";

export default defineBunkerCommand({
  name: "rmi",
  description: "Remove one or more images",
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  flags: [{ name: "force", short: "f", type: "bool", description: "Force removal of the image" }],
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    return eachArgument(positionals, (ref) => {
      for (const line of removeImage(ctx.engine(), ref, bool(flags.force))) console.log(line);
    });
  },
});
