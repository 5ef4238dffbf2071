// Entry point: argv[0] (bunker | docker) -> command; typed errors -> Docker's exit codes.
import { basename } from "node:path";
import type { Engine } from "./engine/engine.ts";
import { type CliContext, loadCitty, plainHelp, runBunkerCommand } from "./cli/command.ts";
import { COMMANDS, DESCRIPTIONS, GROUPS } from "./cli/commands/index.ts";
import { BUILD_INFO } from "./build-info.ts";
import { BunkerError, DaemonError, UsageError } from "./lib/errors.ts";
import { stateDirs } from "./lib/paths.ts";
import { trace } from "./lib/trace.ts";

interface Globals {
  root?: string;
  runRoot?: string;
  rest: string[];
}

const GLOBAL_VALUE_FLAGS = new Set(["--root", "--runroot", "--config", "--log-level", "-l", "--context", "-c"]);
const GLOBAL_BOOL_FLAGS = new Set(["-D", "--debug"]);

/** Docker's global flags come before the command name. */
function parseGlobals(argv: string[]): Globals {
  const g: Globals = { rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (GLOBAL_VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: ${name}`);
      if (name === "--root") g.root = value;
      else if (name === "--runroot") g.runRoot = value;
      else if (name === "--config") process.env.DOCKER_CONFIG = value;
    } else if (name === "-H" || name === "--host") {
      throw new BunkerError("bunker has no daemon and no API socket yet, so -H/--host cannot be used; run commands directly");
    } else if (!GLOBAL_BOOL_FLAGS.has(name)) break;
  }
  g.rest = argv.slice(i);
  return g;
}

async function rootHelp(prog: string): Promise<string> {
  const { defineCommand, renderUsage } = await loadCitty();
  const root = defineCommand({
    meta: { name: prog, version: BUILD_INFO.version, description: "A daemonless, Docker-compatible container engine" },
    subCommands: Object.fromEntries(DESCRIPTIONS.map(([name, description]) => [name, defineCommand({ meta: { name, description } })])),
  });
  return plainHelp(await renderUsage(root));
}

async function main(prog: string, argv: string[]): Promise<number> {
  if (process.env.DOCKER_HOST) throw new BunkerError("DOCKER_HOST is set, but bunker has no daemon to connect to; unset DOCKER_HOST to run containers directly");
  const globals = parseGlobals(argv);
  const [name, ...rest] = globals.rest;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${await rootHelp(prog)}\n`);
    return name === undefined ? 0 : 0;
  }
  if (name === "--version" || name === "-v") {
    console.log(`${prog === "docker" ? "Docker" : "bunker"} version ${BUILD_INFO.version}, build ${BUILD_INFO.commit}`);
    return 0;
  }
  let loader: (typeof COMMANDS)[string] | undefined = COMMANDS[name];
  let args = rest;
  const group = GROUPS[name];
  if (group) {
    const [sub, ...subArgs] = rest;
    loader = sub === undefined ? undefined : group[sub];
    if (!loader) throw new UsageError(`'${prog} ${name}' requires a subcommand: ${Object.keys(group).join(", ")}`, name);
    args = subArgs;
  }
  if (!loader) throw new UsageError(`'${name}' is not a ${prog} command.`, "");
  const cmd = (await loader()).default;
  trace(`command ${name} loaded`);
  const dirs = stateDirs(globals.root, globals.runRoot);
  if (!cmd.noNative) await (await import("../ffi/native.ts")).prepareNative(dirs.cache);
  let engine: Engine | undefined;
  const ctx: CliContext = { prog, dirs, engine: () => (engine ??= new (require("./engine/engine.ts").Engine as typeof Engine)(dirs)) };
  return runBunkerCommand(cmd, ctx, args);
}

const prog = basename(process.argv0) === "docker" ? "docker" : "bunker";
trace("started");
main(prog, process.argv.slice(2)).then(
  (code) => {
    trace("done");
    process.exit(code);
  },
  (e) => process.exit(reportError(e)),
);

/** One line for the user, never a stack trace; BUNKER_DEBUG=1 shows the stack for engine bugs. */
function reportError(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`${prog}: ${e.message}\n`);
    if (e.command !== undefined) process.stderr.write(`See '${prog}${e.command ? ` ${e.command}` : ""} --help'.\n`);
    return e.exitCode;
  }
  if (e instanceof DaemonError) {
    process.stderr.write(`Error response from daemon: ${e.message}\n`); // as the docker CLI shows its daemon's refusals
    return e.exitCode;
  }
  if (e instanceof BunkerError) {
    process.stderr.write(`${prog}: ${e.message}\n`);
    return e.exitCode;
  }
  const err = e as Error & { code?: string; path?: string };
  const detail = err?.code && err?.path ? `${err.code}: ${err.path}` : (err?.message ?? String(e)).split("\n")[0];
  process.stderr.write(`${prog}: internal error: ${detail}\n`);
  if (process.env.BUNKER_DEBUG) process.stderr.write(`${err?.stack}\n`);
  return 125;
}
