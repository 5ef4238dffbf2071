import { checkCreateBody } from "../../../engine/create-container.ts";
import { runContainer } from "../../../engine/run-container.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { parseDetachKeys } from "../../../runtime/attach-stream.ts";
import { CREATE_FLAGS, createRequest, ensureImageFor } from "./create-flags.ts";

export default defineBunkerCommand({
  name: "run",
  description: "Create and run a new container from an image",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  flags: [
    ...CREATE_FLAGS,
    { name: "detach", short: "d", type: "bool", description: "Run container in background and print container ID" },
    { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container", valueHint: "string" },
  ],
  stopAtFirstPositional: true,
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const req = createRequest(flags, positionals);
    checkCreateBody(req.body); // a bad value fails before any pull
    const detach = bool(flags.detach);
    if (req.body.Tty && req.body.OpenStdin && !detach && !process.stdin.isTTY) throw new BunkerError("the input device is not a TTY");
    await ensureImageFor(ctx, flags, req.body.Image);
    const keys = str(flags["detach-keys"]);
    const { id, exitCode } = await runContainer(ctx.engine(), req.body, req, detach, keys === undefined ? undefined : parseDetachKeys(keys));
    if (detach) console.log(id);
    return exitCode;
  },
});
