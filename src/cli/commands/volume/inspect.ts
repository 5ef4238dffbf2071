import type { VolumeRecord } from "../../../engine/volume-store.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";

export default defineBunkerCommand({
  name: "volume inspect",
  description: "Display detailed information on one or more volumes",
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  flags: [],
  minArgs: 1,
  async run(ctx, { positionals }) {
    const engine = ctx.engine();
    const found: Omit<VolumeRecord, "Anonymous">[] = [];
    const code = await eachArgument(
      positionals,
      (name) => {
        const { Anonymous: _, ...shown } = engine.volumes.load(name); // Anonymous is bunker's; docker shows its label
        found.push(shown);
      },
      (_, e) => `Error: ${e.message}`,
    );
    // As docker: what was found is printed (an empty array if nothing), errors go to stderr.
    process.stdout.write(`${JSON.stringify(found, null, 4)}\n`);
    return code;
  },
});
