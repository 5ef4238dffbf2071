import { tagImage } from "../../../engine/tag-image.ts";
import { defineBunkerCommand } from "../../command.ts";

export default defineBunkerCommand({
  name: "tag",
  description: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, { positionals }) {
    tagImage(ctx.engine(), positionals[0], positionals[1]);
  },
});
