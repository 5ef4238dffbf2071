import { createContainer } from "../../../engine/create-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { CREATE_FLAGS, createOptions, ensureImageFor } from "./create-flags.ts";

export default defineBunkerCommand({
  name: "create",
  description: "Create a new container",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  flags: CREATE_FLAGS,
  stopAtFirstPositional: true,
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const opts = createOptions(flags, positionals);
    await ensureImageFor(ctx, flags, opts.image);
    const record = createContainer(ctx.engine(), opts);
    console.log(record.Id);
  },
});
