// Docker's global options, which come before the command name (`bunker --root /x ps`).
import { BunkerError, UsageError } from "../lib/errors.ts";
import { type FlagSpec, parseFlags, str } from "./flags.ts";

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "config", type: "string", description: 'Location of client config files (default "~/.docker"; also $DOCKER_CONFIG)', valueHint: "string" },
  { name: "context", short: "c", type: "string", description: 'Name of the context to use (only "default": bunker has no daemon to choose)', valueHint: "string" },
  { name: "debug", short: "D", type: "bool", description: "Enable debug mode (an internal error prints its stack)" },
  { name: "host", short: "H", type: "list", description: "Daemon socket to connect to (refused: bunker has no daemon)", valueHint: "list" },
  { name: "log-level", short: "l", type: "string", description: 'Set the logging level ("debug", "info", "warn", "error", "fatal") (default "info")', valueHint: "string" },
  { name: "root", type: "string", description: 'Where bunker keeps images, containers and volumes (default "/var/lib/bunker")', valueHint: "string" },
  { name: "runroot", type: "string", description: 'Where bunker keeps the state of running containers (default "/run/bunker")', valueHint: "string" },
  { name: "storage-driver", type: "string", description: 'Storage driver: "overlay" (the default) or "vfs" (a copy, where overlayfs cannot be used)', valueHint: "string" },
  { name: "version", short: "v", type: "bool", description: "Print version information and quit" },
];

const LOG_LEVELS = ["panic", "fatal", "error", "warn", "warning", "info", "debug", "trace"];

export interface Globals {
  root?: string;
  runRoot?: string;
  help: boolean;
  version: boolean;
  /** The command and its arguments. */
  rest: string[];
}

/** Parses the options before the command; --config becomes DOCKER_CONFIG, -D and --log-level debug show stacks. */
export function parseGlobals(argv: string[]): Globals {
  const { flags, positionals, help } = parseFlags(argv, GLOBAL_FLAGS, { command: "", stopAtFirstPositional: true });
  if (flags.host !== undefined) throw new BunkerError("bunker has no daemon and no API socket yet, so -H/--host cannot be used; run commands directly");
  if (process.env.DOCKER_HOST) throw new BunkerError("DOCKER_HOST is set, but bunker has no daemon to connect to; unset DOCKER_HOST to run containers directly");
  const context = str(flags.context) ?? process.env.DOCKER_CONTEXT;
  if (context !== undefined && context !== "default") throw new BunkerError(`context "${context}" does not exist: bunker has only the "default" context`);
  const level = str(flags["log-level"]);
  if (level !== undefined && !LOG_LEVELS.includes(level.toLowerCase())) {
    throw new BunkerError(`Unable to parse logging level: ${level}`, 1); // docker's words and exit code
  }
  if (flags.debug === true || level === "debug" || level === "trace") process.env.BUNKER_DEBUG = "1";
  const config = str(flags.config);
  if (config !== undefined) process.env.DOCKER_CONFIG = config;
  const driver = str(flags["storage-driver"]);
  if (driver !== undefined) process.env.BUNKER_STORAGE_DRIVER = driver; // read by engine/storage-driver.ts
  if (flags.root === "" || flags.runroot === "") throw new UsageError("--root and --runroot need a directory", "");
  return { root: str(flags.root), runRoot: str(flags.runroot), help, version: flags.version === true, rest: positionals };
}
