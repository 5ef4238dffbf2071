import { checkCreateBody, createContainer } from "../../../engine/create-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { CREATE_FLAGS, createRequest, ensureImageFor } from "./create-flags.ts";

export default defineBunkerCommand({
  name: "create",
  description: "Create a new container",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  flags: CREATE_FLAGS,
  stopAtFirstPositional: true,
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const req = createRequest(flags, positionals);
    checkCreateBody(req.body); // a bad value fails before any pull
    await ensureImageFor(ctx, flags, req.body.Image);
    const record = createContainer(ctx.engine(), req.body, req);
    console.log(record.Id);
  },
});
