import { createVolume } from "../../../engine/volumes.ts";
import { parseLabels } from "../../../engine/create-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { list, str } from "../../flags.ts";

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
    const options = list(flags.opt);
    const volume = createVolume(ctx.engine(), { name: positionals[0], driver: str(flags.driver), labels: parseLabels(list(flags.label)), options: parseLabels(options) });
    // The local driver's mount options (type, device, o) would need a host mount, which bunker never makes.
    if (options.length > 0) process.stderr.write("WARNING: volume options are recorded but not applied: bunker's local driver only makes directories\n");
    console.log(volume.Name);
  },
});
