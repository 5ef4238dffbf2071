import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { progressPrinter } from "../../progress.ts";

export default defineBunkerCommand({
  name: "push",
  description: "Upload an image to a registry, or copy it to an archive or OCI layout",
  usage: "[OPTIONS] NAME[:TAG] [NAME[:TAG] | oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE[:NAME]]",
  flags: [{ name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" }],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, { flags, positionals }) {
    const { pushImage } = await import("../../../engine/push-image.ts");
    const progress = progressPrinter(process.stdout, bool(flags.quiet));
    await pushImage(ctx.engine(), positionals[0], positionals[1], progress);
    progress.finish();
    if (bool(flags.quiet)) console.log(positionals[0]);
  },
});
