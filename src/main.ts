// Entry point: argv[0] (bunker | docker) -> command; typed errors -> Docker's exit codes.
import { basename } from "node:path";
import type { Engine } from "./engine/engine.ts";
import { type BunkerCommand, type CliContext, runBunkerCommand } from "./cli/command.ts";
import { COMMANDS, DESCRIPTIONS, GROUPS } from "./cli/commands/index.ts";
import { parseGlobals, GLOBAL_FLAGS } from "./cli/globals.ts";
import { commandLines, flagLines, groupHelp } from "./cli/help.ts";
import { writeOut } from "./cli/output.ts";
import { BUILD_INFO } from "./build-info.ts";
import { BunkerError, DaemonError, UsageError } from "./lib/errors.ts";
import { stateDirs } from "./lib/paths.ts";
import { trace } from "./lib/trace.ts";

const ABOUT = "A daemonless, Docker-compatible container engine";

function rootHelp(prog: string): string {
  const isGroup = ([name]: [string, string]) => name in GROUPS;
  const byName = (a: [string, string], b: [string, string]) => a[0].localeCompare(b[0]);
  const management = DESCRIPTIONS.filter(isGroup).sort(byName);
  const commands = DESCRIPTIONS.filter((d) => !isGroup(d)).sort(byName);
  return `\nUsage:  ${prog} [OPTIONS] COMMAND\n\n${ABOUT}\n\nManagement Commands:\n${commandLines(management)}\nCommands:\n${commandLines(commands)}\nGlobal Options:\n${flagLines(GLOBAL_FLAGS)}\nRun '${prog} COMMAND --help' for more information on a command.\n`;
}

/** `bunker volume`: each subcommand once, under its first name (ls, not its alias list), described by its module. */
async function printGroupHelp(prog: string, name: string, group: (typeof GROUPS)[string]): Promise<void> {
  const seen = new Set<BunkerCommand>();
  const entries: [string, string][] = [];
  for (const [sub, load] of Object.entries(group)) {
    const cmd = (await load()).default;
    if (!seen.has(cmd)) entries.push([sub, cmd.description]);
    seen.add(cmd);
  }
  const description = DESCRIPTIONS.find(([n]) => n === name)?.[1] ?? "";
  process.stdout.write(groupHelp(prog, name, description, entries));
}

async function main(prog: string, argv: string[]): Promise<number> {
  const globals = parseGlobals(argv);
  const [name, ...rest] = globals.rest;
  if (name === "__complete") {
    // What the completion scripts ask at each TAB: candidates, one a line, then ":files" if file names fit.
    const words = [...argv.slice(0, argv.length - globals.rest.length), ...rest];
    const { complete } = await import("./cli/completion/complete.ts");
    const { candidates, files } = await complete(words.slice(0, -1), words[words.length - 1] ?? "");
    await writeOut([...candidates, ...(files ? [":files"] : [])].map((c) => `${c}\n`).join(""));
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
      await printGroupHelp(prog, name, group);
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
