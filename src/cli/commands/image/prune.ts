import { pruneImages } from "../../../engine/prune-images.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { humanSize } from "../../format.ts";

const DANGLING_WARNING = "WARNING! This will remove all dangling images.";
const ALL_WARNING = "WARNING! This will remove all images without at least one container associated to them.";

/** docker's PromptForConfirmation: the question on stdout, one line read from stdin (a pipe works too); only y or Y agrees. */
async function confirm(warning: string): Promise<boolean> {
  process.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  let line = "";
  try {
    const reader = (Bun.stdin.stream() as ReadableStream<Uint8Array>).getReader();
    while (!line.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      line += new TextDecoder().decode(value);
    }
    reader.releaseLock();
  } catch {
    return false; // no stdin at all: nobody agreed
  }
  const answer = line.split("\n")[0].trim();
  return answer === "y" || answer === "Y";
}

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
    if (lines.length > 0) process.stdout.write(`Deleted Images:\n${lines.map((l) => `${l}\n`).join("")}\n`);
    process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
  },
});
