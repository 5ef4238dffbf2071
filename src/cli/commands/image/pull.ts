import { canonical, parseReference } from "../../../image/reference.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { progressPrinter } from "../../progress.ts";

export default defineBunkerCommand({
  name: "pull",
  description: "Download an image from a registry",
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  flags: [
    { name: "platform", type: "string", description: "Set platform if server is multi-platform capable", valueHint: "string" },
    { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const { pullImage } = require("../../../engine/pull-image.ts") as typeof import("../../../engine/pull-image.ts");
    const progress = progressPrinter(process.stdout, bool(flags.quiet));
    await pullImage(ctx.engine(), positionals[0], { events: progress, platform: str(flags.platform) });
    progress.finish();
    console.log(canonical(parseReference(positionals[0])));
  },
});
