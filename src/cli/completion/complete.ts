// `bunker __complete WORD... CURRENT`: what the shell completion scripts ask at
// each TAB (as docker's cobra-made scripts ask `docker __complete`). It knows the
// command table and flags, so the scripts stay small and every shell agrees.
import type { BunkerCommand } from "../command.ts";
import { COMMANDS, DESCRIPTIONS, GROUPS } from "../commands/index.ts";
import type { FlagSpec } from "../flags.ts";
import { GLOBAL_FLAGS } from "../globals.ts";
import { writeOut } from "../output.ts";
import { type NameKind, listNames } from "./names.ts";

export interface Completion {
  candidates: string[];
  /** Nothing bunker knows fits here (a path, a container's command): the shell may offer files. */
  files: boolean;
}

/** Which names a command's arguments are, by the command's own name (its aliases share it). */
const ARGUMENTS: Record<string, NameKind[]> = {
  attach: ["running"],
  commit: ["containers"],
  diff: ["containers"],
  exec: ["running"],
  export: ["containers"],
  "healthcheck run": ["running"],
  inspect: ["containers", "images"],
  kill: ["running"],
  logs: ["containers"],
  pause: ["running"],
  port: ["containers"],
  rename: ["containers"],
  restart: ["containers"],
  rm: ["containers"],
  start: ["containers"],
  stats: ["running"],
  stop: ["running"],
  top: ["running"],
  unpause: ["containers"],
  update: ["containers"],
  wait: ["containers"],
  create: ["images"],
  history: ["images"],
  "image inspect": ["images"],
  push: ["images"],
  rmi: ["images"],
  run: ["images"],
  save: ["images"],
  tag: ["images"],
  "volume inspect": ["volumes"],
  "volume rm": ["volumes"],
  "network inspect": ["networks"],
  "network rm": ["networks"],
  "network connect": ["networks", "containers"],
  "network disconnect": ["networks", "containers"],
};

/** Flags whose values are names bunker can list. */
const FLAG_VALUES: Record<string, NameKind[]> = { network: ["networks"], net: ["networks"], "volumes-from": ["containers"] };

const spellings = (flags: FlagSpec[]) => flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);

/** The flag a word names, and whether the next word is its value (--name x, -it x: the last letter's). */
function flagOf(word: string, flags: FlagSpec[]): { spec?: FlagSpec; takesNext: boolean } {
  if (word.startsWith("--")) {
    const spec = flags.find((f) => f.name === word.slice(2).split("=")[0]);
    return { spec, takesNext: spec !== undefined && spec.type !== "bool" && !word.includes("=") };
  }
  const spec = flags.find((f) => f.short === word[word.length - 1]);
  return { spec, takesNext: spec !== undefined && spec.type !== "bool" };
}

interface Walk {
  /** Global --root/--runroot, so names come from the store the command line names. */
  globals: string[];
  rest: string[];
}

function walkGlobals(words: string[]): Walk {
  const globals: string[] = [];
  let i = 0;
  for (; i < words.length && words[i].startsWith("-"); i++) {
    const { spec, takesNext } = flagOf(words[i], GLOBAL_FLAGS);
    const passOn = spec?.name === "root" || spec?.name === "runroot";
    if (passOn) globals.push(words[i]);
    if (takesNext && i + 1 < words.length) {
      i++;
      if (passOn) globals.push(words[i]);
    }
  }
  return { globals, rest: words.slice(i) };
}

const matching = (cur: string, all: string[], files = false): Completion => ({ candidates: [...new Set(all.filter((c) => c.startsWith(cur)))], files });

export async function complete(words: string[], cur: string): Promise<Completion> {
  const { globals, rest } = walkGlobals(words);
  const last = words[words.length - 1];
  if (rest.length === 0) {
    // The value of a global option (--root DIR) is a path.
    if (last !== undefined && last.startsWith("-") && flagOf(last, GLOBAL_FLAGS).takesNext) return { candidates: [], files: true };
    return matching(cur, cur.startsWith("-") ? spellings(GLOBAL_FLAGS) : DESCRIPTIONS.map(([name]) => name));
  }
  let [name, ...args] = rest;
  let load = COMMANDS[name];
  const group = GROUPS[name];
  if (group) {
    if (args.length === 0) return matching(cur, Object.keys(group));
    [name, ...args] = [`${name} ${args[0]}`, ...args.slice(1)];
    load = group[rest[1]];
  }
  if (!load) return { candidates: [], files: false };
  const cmd: BunkerCommand = (await load()).default;
  let positionals = 0;
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    const flagsOver = cmd.stopAtFirstPositional && positionals > 0;
    if (word.startsWith("-") && word !== "-" && !flagsOver) {
      const { spec, takesNext } = flagOf(word, cmd.flags);
      if (!takesNext) continue;
      if (i + 1 === args.length) {
        // CURRENT is this flag's value.
        const kinds = FLAG_VALUES[spec?.name ?? ""];
        return kinds ? matching(cur, await listNames(kinds, globals)) : { candidates: [], files: true };
      }
      i++;
      continue;
    }
    positionals++;
  }
  if (cur.startsWith("-") && !(cmd.stopAtFirstPositional && positionals > 0)) return matching(cur, [...spellings(cmd.flags), "--help"]);
  const kinds = ARGUMENTS[cmd.name] ?? [];
  const onlyFirst = cmd.stopAtFirstPositional === true || (cmd.maxArgs !== undefined && cmd.maxArgs <= 2);
  if (kinds.length === 0 || (onlyFirst && positionals > 0)) return { candidates: [], files: true };
  return matching(cur, await listNames(kinds, globals));
}

/** `bunker __complete WORD... CURRENT`: candidates one a line, then ":files" if file names fit. */
export async function printCompletions(words: string[]): Promise<void> {
  const { candidates, files } = await complete(words.slice(0, -1), words[words.length - 1] ?? "");
  await writeOut([...candidates, ...(files ? [":files"] : [])].map((c) => `${c}\n`).join(""));
}
