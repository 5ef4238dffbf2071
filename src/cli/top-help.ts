// `bunker --help` and `bunker GROUP --help`: the command table in docker's layout.
import type { BunkerCommand } from "./command.ts";
import { DESCRIPTIONS, GROUPS } from "./commands/index.ts";
import { GLOBAL_FLAGS } from "./globals.ts";
import { commandLines, flagLines, groupHelp } from "./help.ts";

const ABOUT = "A daemonless, Docker-compatible container engine";

export function rootHelp(prog: string): string {
  const isGroup = ([name]: [string, string]) => name in GROUPS;
  const byName = (a: [string, string], b: [string, string]) => a[0].localeCompare(b[0]);
  const management = DESCRIPTIONS.filter(isGroup).sort(byName);
  const commands = DESCRIPTIONS.filter((d) => !isGroup(d)).sort(byName);
  return `\nUsage:  ${prog} [OPTIONS] COMMAND\n\n${ABOUT}\n\nManagement Commands:\n${commandLines(management)}\nCommands:\n${commandLines(commands)}\nGlobal Options:\n${flagLines(GLOBAL_FLAGS)}\nRun '${prog} COMMAND --help' for more information on a command.\n`;
}

/** `bunker volume`: each subcommand once, under its first name (ls, not its alias list), described by its module. */
export async function groupHelpText(prog: string, name: string): Promise<string> {
  const seen = new Set<BunkerCommand>();
  const entries: [string, string][] = [];
  for (const [sub, load] of Object.entries(GROUPS[name])) {
    const cmd = (await load()).default;
    if (!seen.has(cmd)) entries.push([sub, cmd.description]);
    seen.add(cmd);
  }
  return groupHelp(prog, name, DESCRIPTIONS.find(([n]) => n === name)?.[1] ?? "", entries);
}
