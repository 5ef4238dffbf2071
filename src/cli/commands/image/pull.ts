import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { progressPrinter } from "../../progress.ts";

export default defineBunkerCommand({
  name: "pull",
  description: "Download an image from a registry, or copy one from an archive or OCI layout",
  usage: "[OPTIONS] NAME[:TAG|@DIGEST] | oci:DIR[:TAG] | oci-archive:FILE[:TAG] | docker-archive:FILE[:NAME]",
  flags: [
    { name: "platform", type: "string", description: "Set platform if server is multi-platform capable", valueHint: "string" },
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const { pullImage } = await import("../../../engine/pull-image.ts");
    const progress = progressPrinter(process.stdout, bool(flags.quiet));
    const names = await pullImage(ctx.engine(), positionals[0], { events: progress, platform: str(flags.platform) });
    progress.finish();
    for (const name of names) console.log(name);
  },
});
