// --help text in docker's layout (its cobra templates): a usage line, the
// description, then aligned "Options:" or "Commands:" sections.
import type { BunkerCommand } from "./command.ts";
import type { FlagSpec } from "./flags.ts";

/** pflag's FlagUsages: "  -a, --all" or "      --format string", descriptions aligned 3 spaces past the longest. */
export function flagLines(flags: FlagSpec[]): string {
  const heads = flags.map((f) => {
    const value = f.type === "bool" ? "" : ` ${f.valueHint ?? (f.type === "list" ? "list" : "string")}`;
    return `${f.short ? `  -${f.short}, ` : "      "}--${f.name}${value}`;
  });
  const width = Math.max(0, ...heads.map((h) => h.length));
  return flags.map((f, i) => `${heads[i].padEnd(width)}   ${f.description}\n`).join("");
}

/** Names and one-line descriptions, as cobra pads them (at least 11 wide). */
export function commandLines(commands: [string, string][]): string {
  const width = Math.max(11, ...commands.map(([name]) => name.length)) + 1;
  return commands.map(([name, description]) => `  ${name.padEnd(width)}${description}\n`).join("");
}

export function commandHelp(cmd: BunkerCommand, prog: string): string {
  const sorted = [...cmd.flags].sort((a, b) => a.name.localeCompare(b.name));
  const options = sorted.length > 0 ? `\nOptions:\n${flagLines(sorted)}` : "";
  return `\nUsage:  ${prog} ${cmd.name}${cmd.usage ? ` ${cmd.usage}` : ""}\n\n${cmd.description}\n${options}`;
}

/** A management command (`volume`): its subcommands and what each does. */
export function groupHelp(prog: string, group: string, description: string, subcommands: [string, string][]): string {
  const lines = commandLines(subcommands);
  return `\nUsage:  ${prog} ${group} COMMAND\n\n${description}\n\nCommands:\n${lines}\nRun '${prog} ${group} COMMAND --help' for more information on a command.\n`;
}
