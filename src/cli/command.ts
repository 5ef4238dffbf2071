// A bunker command: its name, usage line and description (for --help) and a
// flag table parsed with docker's rules (flags.ts).
import type { Engine } from "../engine/engine.ts";
import { UsageError } from "../lib/errors.ts";
import type { StateDirs } from "../lib/paths.ts";
import { type FlagSpec, type ParsedArgs, parseFlags } from "./flags.ts";
import { commandHelp } from "./help.ts";

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

export function defineBunkerCommand(spec: BunkerCommandSpec): BunkerCommand {
  return spec;
}

/** Parses and checks argument counts, then runs the command. Returns its exit code. */
export async function runBunkerCommand(cmd: BunkerCommand, ctx: CliContext, rawArgs: string[]): Promise<number> {
  const parsed = parseFlags(rawArgs, cmd.flags, { command: cmd.name, stopAtFirstPositional: cmd.stopAtFirstPositional });
  if (parsed.help) {
    process.stdout.write(commandHelp(cmd, ctx.prog));
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
