// Docker's argument rules, which citty's parser does not follow: flags end at
// the first positional (for run/create/exec), list flags repeat, short flags
// combine (-it), and `--flag=value` / `--flag value` both work.
import { UsageError } from "../lib/errors.ts";

export type FlagType = "bool" | "string" | "list";

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  description: string;
  valueHint?: string;
}

export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
  help: boolean;
}

export interface ParseOptions {
  command: string;
  /** Everything after the first positional belongs to the container (run, create, exec). */
  stopAtFirstPositional?: boolean;
}

export function parseFlags(args: string[], specs: FlagSpec[], opts: ParseOptions): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags: FlagValues = {};
  const positionals: string[] = [];
  let help = false;

  const set = (spec: FlagSpec, value: string | boolean) => {
    if (spec.type === "list") flags[spec.name] = [...((flags[spec.name] as string[]) ?? []), String(value)];
    else flags[spec.name] = value;
  };
  const bad = (message: string) => new UsageError(message, opts.command);

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (name === "help") {
        help = true;
        continue;
      }
      const spec = byName.get(name);
      if (!spec) throw bad(`unknown flag: --${name}`);
      if (spec.type === "bool") {
        set(spec, eq < 0 ? true : parseBool(arg.slice(eq + 1), `--${name}`, bad));
      } else if (eq >= 0) set(spec, arg.slice(eq + 1));
      else {
        if (i + 1 >= args.length) throw bad(`flag needs an argument: --${name}`);
        set(spec, args[++i]);
      }
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // Combined short flags: -it, -p8080:80, -e FOO=1
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j];
        const spec = byShort.get(c);
        if (!spec) {
          if (c === "h") {
            help = true;
            continue;
          }
          throw bad(`unknown shorthand flag: '${c}' in ${arg}`);
        }
        if (spec.type === "bool") {
          if (arg[j + 1] === "=") {
            set(spec, parseBool(arg.slice(j + 2), `-${c}`, bad)); // -i=false
            break;
          }
          set(spec, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== "") set(spec, rest.startsWith("=") ? rest.slice(1) : rest);
        else if (i + 1 < args.length) set(spec, args[++i]);
        else throw bad(`flag needs an argument: '${c}' in -${c}`);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (opts.stopAtFirstPositional) {
      positionals.push(...args.slice(i + 1));
      break;
    }
  }
  return { flags, positionals, help };
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** Go's strconv.ParseBool, which docker's flag library uses. */
function parseBool(v: string, flag: string, bad: (m: string) => UsageError): boolean {
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw bad(`invalid argument "${v}" for "${flag}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`);
}

export const str = (v: FlagValues[string]): string | undefined => (typeof v === "string" ? v : undefined);
export const list = (v: FlagValues[string]): string[] => (Array.isArray(v) ? v : []);
export const bool = (v: FlagValues[string]): boolean => v === true;

/** An integer flag, with docker's message for anything else. */
export function intValue(value: FlagValues[string], flag: string): number | undefined {
  const text = str(value);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return Number(text);
}
