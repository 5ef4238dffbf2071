import { createVolume } from "../../../engine/volumes.ts";
import { parseLabels } from "../../../engine/create-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { list } from "../../flags.ts";

export default defineBunkerCommand({
  name: "volume create",
  description: "Create a volume",
  usage: "[OPTIONS] [VOLUME]",
  flags: [
    { name: "driver", short: "d", type: "string", description: 'Specify volume driver name (only "local")', valueHint: "string" },
    { name: "label", type: "list", description: "Set metadata for a volume", valueHint: "list" },
    { name: "opt", short: "o", type: "list", description: "Set driver specific options (recorded, not applied yet)", valueHint: "map" },
  ],
  maxArgs: 1,
  run(ctx, { flags, positionals }) {
    const driver = flags.driver;
    if (typeof driver === "string" && driver !== "local") throw new BunkerError(`plugin "${driver}" not found`);
    const options = list(flags.opt);
    // The local driver's mount options (type, device, o) would need a host mount, which bunker never makes.
    if (options.length > 0) process.stderr.write("WARNING: volume options are recorded but not applied: bunker's local driver only makes directories\n");
    const volume = createVolume(ctx.engine(), { name: positionals[0], labels: parseLabels(list(flags.label)), options: parseLabels(options) });
    console.log(volume.Name);
  },
});
