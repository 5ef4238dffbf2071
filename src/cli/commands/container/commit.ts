import { commitContainer } from "../../../engine/commit-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { list, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "commit",
  description: "Create a new image from a container's changes",
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  flags: [
    { name: "author", short: "a", type: "string", description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")', valueHint: "string" },
    { name: "change", short: "c", type: "list", description: "Apply Dockerfile instruction to the created image", valueHint: "list" },
    { name: "message", short: "m", type: "string", description: "Commit message", valueHint: "string" },
    { name: "pause", short: "p", type: "bool", description: "Pause container during commit (default true)" },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { flags, positionals }) {
    // Failures are the daemon's in docker: "Error response from daemon: …", exit 1.
    return eachArgument([positionals[0]], async (ref) => {
      const id = await commitContainer(ctx.engine(), ref, {
        reference: positionals[1],
        author: str(flags.author),
        message: str(flags.message),
        changes: list(flags.change),
        pause: flags.pause !== false, // docker's default: --pause=true
      });
      console.log(id);
    });
  },
});
