// Entry point: argv[0] (bunker | docker) -> command; typed errors -> Docker's exit codes.
import { basename } from "node:path";
import type { Engine } from "./engine/engine.ts";
import { type CliContext, runBunkerCommand } from "./cli/command.ts";
import { COMMANDS, GROUPS } from "./cli/commands/index.ts";
import { parseGlobals } from "./cli/globals.ts";
import { groupHelpText, rootHelp } from "./cli/top-help.ts";
import { BUILD_INFO } from "./build-info.ts";
import { BunkerError, DaemonError, UsageError } from "./lib/errors.ts";
import { makeStateDirs, stateDirs } from "./lib/paths.ts";
import { trace } from "./lib/trace.ts";

async function main(prog: string, argv: string[]): Promise<number> {
  const globals = parseGlobals(argv);
  const [name, ...rest] = globals.rest;
  if (name === "__complete") {
    // What the completion scripts ask at each TAB; the global options typed before are part of the words.
    await (await import("./cli/completion/complete.ts")).printCompletions([...argv.slice(0, argv.length - globals.rest.length), ...rest]);
    return 0;
  }
  if (globals.version) {
    console.log(`${prog === "docker" ? "Docker" : "bunker"} version ${BUILD_INFO.version}, build ${BUILD_INFO.commit}`);
    return 0;
  }
  if (name === "help" && rest.length > 0) return main(prog, [...rest, "--help"]); // `bunker help ps`, as docker's
  if (name === undefined || globals.help || name === "help") {
    process.stdout.write(rootHelp(prog));
    return 0;
  }
  let loader: (typeof COMMANDS)[string] | undefined = COMMANDS[name];
  let args = rest;
  const group = GROUPS[name];
  if (group) {
    const [sub, ...subArgs] = rest;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      process.stdout.write(await groupHelpText(prog, name));
      return 0;
    }
    loader = group[sub];
    if (!loader) throw new UsageError(`'${name} ${sub}' is not a ${prog} command.`, "", 1);
    args = subArgs;
  }
  if (!loader) throw new UsageError(`'${name}' is not a ${prog} command.`, "", 1);
  const cmd = (await loader()).default;
  trace(`command ${name} loaded`);
  const dirs = stateDirs(globals.root, globals.runRoot);
  if (!cmd.noNative) {
    makeStateDirs(dirs);
    await (await import("../ffi/native.ts")).prepareNative(dirs.cache);
  }
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
  // A full disk is the user's to fix, not an engine bug: say so, and what to do.
  if (err?.code === "ENOSPC" || err?.code === "EDQUOT") {
    const what = err.code === "ENOSPC" ? "no space left on device" : "disk quota exceeded";
    process.stderr.write(`${prog}: ${what}${err.path ? ` (writing ${err.path})` : ""}: free some space (${prog} system df shows what can be pruned) and try again\n`);
    return 125;
  }
  const detail = err?.code && err?.path ? `${err.code}: ${err.path}` : (err?.message ?? String(e)).split("\n")[0];
  process.stderr.write(`${prog}: internal error: ${detail}\n`);
  if (process.env.BUNKER_DEBUG) process.stderr.write(`${err?.stack}\n`);
  return 125;
}
