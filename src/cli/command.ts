// A bunker command: citty's definition (routing, help text) plus a flag table
// parsed with docker's rules (flags.ts).
import type { ArgsDef, CommandDef } from "citty";
import { Engine } from "../engine/engine.ts";
import { UsageError } from "../lib/errors.ts";
import type { StateDirs } from "../lib/paths.ts";
import { type FlagSpec, type ParsedArgs, parseFlags } from "./flags.ts";

export interface CliContext {
  /** The name we were invoked as (argv[0]): "bunker" or "docker". */
  prog: string;
  dirs: StateDirs;
  engine(): Engine;
}

export interface BunkerCommandSpec {
  name: string;
  description: string;
  /** Docker's usage line after the command, e.g. "[OPTIONS] IMAGE [COMMAND] [ARG...]". */
  usage: string;
  flags: FlagSpec[];
  stopAtFirstPositional?: boolean;
  /** Touches neither the state root nor native code (version): start-up skips preparing them. */
  noNative?: boolean;
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void> | number | void;
}

export type BunkerCommand = BunkerCommandSpec;

/** citty (and the consola it pulls in) costs ~10 ms to load, so it is imported (its own chunk) only to print help. */
export function loadCitty(): Promise<typeof import("citty")> {
  return import("citty");
}

function cittyArgs(spec: BunkerCommandSpec): ArgsDef {
  const args: ArgsDef = {};
  for (const f of spec.flags) {
    args[f.name] = {
      type: f.type === "bool" ? "boolean" : "string",
      description: f.description,
      alias: f.short ? [f.short] : undefined,
      valueHint: f.valueHint,
    };
  }
  return args;
}

export function defineBunkerCommand(spec: BunkerCommandSpec): BunkerCommand {
  return spec;
}

export async function helpText(cmd: BunkerCommand, prog: string): Promise<string> {
  const citty = await loadCitty();
  const def: CommandDef = citty.defineCommand({ meta: { name: cmd.name, description: cmd.description }, args: cittyArgs(cmd) });
  const usage = plainHelp(await citty.renderUsage(def));
  // citty's own USAGE line is replaced by docker's, which knows the positional arguments.
  const body = usage.split("\n").filter((l) => !l.startsWith("USAGE ")).join("\n").replace(/\n{3,}/g, "\n\n");
  return `Usage:  ${prog} ${cmd.name} ${cmd.usage}\n\n${body}`;
}

/** citty marks names with backticks for consola to colour; printed as plain text they are noise, as is its padding. */
export function plainHelp(text: string): string {
  return text.replace(/`/g, "").replace(/[ \t]+$/gm, "");
}

/** Parses and checks argument counts, then runs the command. Returns its exit code. */
export async function runBunkerCommand(cmd: BunkerCommand, ctx: CliContext, rawArgs: string[]): Promise<number> {
  const parsed = parseFlags(rawArgs, cmd.flags, { command: cmd.name, stopAtFirstPositional: cmd.stopAtFirstPositional });
  if (parsed.help) {
    process.stdout.write(await helpText(cmd, ctx.prog));
    return 0;
  }
  const n = parsed.positionals.length;
  if (cmd.minArgs !== undefined && n < cmd.minArgs) {
    const what = cmd.minArgs === 1 ? "1 argument" : `at least ${cmd.minArgs} arguments`;
    throw new UsageError(`"${ctx.prog} ${cmd.name}" requires ${cmd.maxArgs === cmd.minArgs ? "exactly" : "at least"} ${what.replace("at least ", "")}.`, cmd.name);
  }
  if (cmd.maxArgs !== undefined && n > cmd.maxArgs) {
    throw new UsageError(`"${ctx.prog} ${cmd.name}" accepts at most ${cmd.maxArgs} argument${cmd.maxArgs === 1 ? "" : "s"}.`, cmd.name);
  }
  return (await cmd.run(ctx, parsed)) ?? 0;
}
