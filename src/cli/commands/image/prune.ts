import { pruneImages } from "../../../engine/prune-images.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { confirm, printPruneReport } from "../../prune.ts";

const DANGLING_WARNING = "WARNING! This will remove all dangling images.";
const ALL_WARNING = "WARNING! This will remove all images without at least one container associated to them.";

export default defineBunkerCommand({
  name: "image prune", // reached only through the image group, as in docker
  description: "Remove unused images",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Remove all unused images, not just dangling ones" },
    { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const all = bool(flags.all);
    // As docker: declining (or no stdin at all) cancels quietly, with exit code 0.
    if (!bool(flags.force) && !(await confirm(all ? ALL_WARNING : DANGLING_WARNING))) return;
    const { lines, reclaimed } = pruneImages(ctx.engine(), all);
    printPruneReport("Images", lines, reclaimed);
  },
});
