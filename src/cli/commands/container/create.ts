import { createContainer } from "../../../engine/create-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { CREATE_FLAGS, createOptions } from "./create-flags.ts";

export default defineBunkerCommand({
  name: "create",
  description: "Create a new container",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  flags: CREATE_FLAGS,
  stopAtFirstPositional: true,
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const record = createContainer(ctx.engine(), createOptions(flags, positionals));
    console.log(record.Id);
  },
});
