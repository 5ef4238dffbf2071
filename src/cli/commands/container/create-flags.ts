// The flags `run` and `create` share, and their translation into CreateOptions.
import type { CreateOptions } from "../../../engine/create-container.ts";
import type { CliContext } from "../../command.ts";
import { bool, type FlagSpec, type FlagValues, list, str } from "../../flags.ts";

export const CREATE_FLAGS: FlagSpec[] = [
  { name: "env", short: "e", type: "list", description: "Set environment variables", valueHint: "list" },
  { name: "env-file", type: "list", description: "Read in a file of environment variables", valueHint: "list" },
  { name: "entrypoint", type: "string", description: "Overwrite the default ENTRYPOINT of the image", valueHint: "string" },
  { name: "hostname", short: "h", type: "string", description: "Container host name", valueHint: "string" },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
  { name: "label", short: "l", type: "list", description: "Set meta data on a container", valueHint: "list" },
  { name: "name", type: "string", description: "Assign a name to the container", valueHint: "string" },
  { name: "network", type: "string", description: "Connect a container to a network (none, host)", valueHint: "network" },
  { name: "net", type: "string", description: "Alias of --network", valueHint: "network" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable", valueHint: "string" },
  { name: "pull", type: "string", description: 'Pull image before running ("always", "missing", "never")', valueHint: "string" },
  { name: "read-only", type: "bool", description: "Mount the container's root filesystem as read only" },
  { name: "rm", type: "bool", description: "Automatically remove the container and its associated anonymous volumes when it exits" },
  { name: "tmpfs", type: "list", description: "Mount a tmpfs directory", valueHint: "list" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "user", short: "u", type: "string", description: "Username or UID (format: <name|uid>[:<group|gid>])", valueHint: "string" },
  { name: "volume", short: "v", type: "list", description: "Bind mount a volume", valueHint: "list" },
  { name: "workdir", short: "w", type: "string", description: "Working directory inside the container", valueHint: "string" },
];

/** Makes sure the image is there, pulling as --pull says; pull progress goes to stderr so stdout stays the container's. */
export async function ensureImageFor(ctx: CliContext, flags: FlagValues, image: string): Promise<void> {
  const { ensureImage, parsePullPolicy } = require("../../../engine/ensure-image.ts") as typeof import("../../../engine/ensure-image.ts");
  const { progressPrinter } = require("../../progress.ts") as typeof import("../../progress.ts");
  const progress = progressPrinter(process.stderr, false);
  await ensureImage(ctx.engine(), image, parsePullPolicy(str(flags.pull)), progress, str(flags.platform));
  progress.finish();
}

export function createOptions(flags: FlagValues, positionals: string[]): CreateOptions {
  return {
    image: positionals[0],
    command: positionals.slice(1),
    entrypoint: str(flags.entrypoint),
    name: str(flags.name),
    env: list(flags.env),
    envFiles: list(flags["env-file"]),
    workdir: str(flags.workdir),
    user: str(flags.user),
    hostname: str(flags.hostname),
    volumes: list(flags.volume),
    tmpfs: list(flags.tmpfs),
    // Bridge networking is its own piece of work; until then the default is an isolated network namespace.
    network: str(flags.network) ?? str(flags.net) ?? "none",
    tty: bool(flags.tty),
    interactive: bool(flags.interactive),
    autoRemove: bool(flags.rm),
    labels: list(flags.label),
    readOnly: bool(flags["read-only"]),
  };
}
