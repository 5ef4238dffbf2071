import { isatty } from "node:tty";
import { type CopyOptions, copyFromContainer, copyToContainer } from "../../../engine/copy-files.ts";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool } from "../../flags.ts";
import { humanSize } from "../../format.ts";

/**
 * docker's reading of an argument: CONTAINER:PATH, unless it is a local path
 * spelled so it cannot be one (absolute, or starting with "."), as in ./a:b.
 */
export function splitCopyArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith("/") || arg.startsWith(".")) return { path: arg };
  const colon = arg.indexOf(":");
  if (colon <= 0) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

export default defineBunkerCommand({
  name: "cp",
  description: "Copy files/folders between a container and the local filesystem",
  usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-  or  [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  flags: [
    { name: "archive", short: "a", type: "bool", description: "Archive mode (copy all uid/gid information)" },
    { name: "follow-link", short: "L", type: "bool", description: "Always follow symbol link in SRC_PATH" },
    { name: "quiet", short: "q", type: "bool", description: "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached" },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, { flags, positionals }) {
    const [src, dest] = positionals.map(splitCopyArg);
    const opts: CopyOptions = { archive: bool(flags.archive), followLink: bool(flags["follow-link"]) };
    if (src.container !== undefined && dest.container !== undefined) throw new BunkerError("copying between containers is not supported", 1);
    if (src.container === undefined && dest.container === undefined) throw new BunkerError("must specify at least one container source", 1);
    const engine = ctx.engine();
    const ref = (src.container ?? dest.container) as string;
    // Failures are the daemon's in docker: "Error response from daemon: …", exit 1.
    return eachArgument([ref], async () => {
      const bytes =
        src.container !== undefined
          ? await copyFromContainer(engine, src.container, src.path, dest.path, opts)
          : await copyToContainer(engine, src.path, ref, dest.path, opts);
      const toStdout = src.container !== undefined && dest.path === "-";
      if (!bool(flags.quiet) && !toStdout && isatty(2)) process.stderr.write(`Successfully copied ${humanSize(bytes)} to ${positionals[1]}\n`);
    });
  },
});
