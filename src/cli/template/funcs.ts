// Go's builtin template functions plus docker's (cli/templates): json, split, join,
// title, lower, upper, pad, truncate. A thrown Error becomes "error calling NAME: …".
import { goType, isTrue, show } from "./values.ts";

export type TemplateFunc = (...args: unknown[]) => unknown;

const str = (v: unknown, what: string): string => {
  if (typeof v !== "string") throw new Error(`wrong type for value; expected string; got ${goType(v)} (${what})`);
  return v;
};
const int = (v: unknown): number => {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`wrong type for value; expected int; got ${goType(v)}`);
  return v;
};

function compare(a: unknown, b: unknown): number {
  const basic = (x: unknown) => typeof x === "number" || typeof x === "string";
  if (!basic(a) || !basic(b)) throw new Error(`invalid type for comparison`);
  if (typeof a !== typeof b) throw new Error("incompatible types for comparison");
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new Error("missing argument for comparison");
  return bs.some((b) => {
    if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
    if (typeof a === "object" || typeof b === "object") throw new Error("non-comparable types");
    if (typeof a !== typeof b) throw new Error("incompatible types for comparison");
    return a === b;
  });
}

function index(v: unknown, ...keys: unknown[]): unknown {
  for (const k of keys) {
    if (Array.isArray(v) || typeof v === "string") {
      const i = int(k);
      if (i < 0 || i >= v.length) throw new Error(`index out of range: ${i}`);
      v = Array.isArray(v) ? v[i] : v.charCodeAt(i);
    } else if (v !== null && typeof v === "object") {
      v = Object.hasOwn(v, str(k, "map key")) ? (v as Record<string, unknown>)[k as string] : undefined;
    } else throw new Error(`can't index item of type ${goType(v)}`);
  }
  return v;
}

/** fmt.Sprint: a space between operands when neither is a string. */
function sprint(args: unknown[]): string {
  return args.map((a, i) => (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string" ? " " : "") + show(a, false)).join("");
}

/** fmt.Sprintf for the verbs formats use: %v %s %d %q %t %f %x %%, with flags and width. */
function sprintf(format: unknown, ...args: unknown[]): string {
  let n = 0;
  return str(format, "format").replace(/%([-+ 0#]*)(\d*)(?:\.(\d+))?([a-zA-Z%])/g, (_, flags: string, width: string, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    let s: string;
    if (verb === "d" && typeof a === "number") s = Math.trunc(a).toString();
    else if (verb === "f" && typeof a === "number") s = a.toFixed(prec === undefined ? 6 : Number(prec));
    else if (verb === "x" && typeof a === "number") s = a.toString(16);
    else if (verb === "q") s = JSON.stringify(show(a, false));
    else if ("vst".includes(verb)) s = show(a, false);
    else s = `%!${verb}(${goType(a)}=${show(a, false)})`;
    if (verb === "s" && prec !== undefined) s = s.slice(0, Number(prec));
    const w = Number(width || 0);
    return flags.includes("-") ? s.padEnd(w) : s.padStart(w, flags.includes("0") && verb !== "s" ? "0" : " ");
  });
}

export const FUNCS: Record<string, TemplateFunc> = {
  and: (...args) => args.find((a) => !isTrue(a)) ?? args[args.length - 1],
  or: (...args) => args.find(isTrue) ?? args[args.length - 1],
  not: (a) => !isTrue(a),
  eq,
  ne: (a, b) => !eq(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  len: (v) => {
    if (typeof v === "string" || Array.isArray(v)) return v.length;
    if (v !== null && typeof v === "object") return Object.keys(v).length;
    throw new Error(`len of type ${goType(v)}`);
  },
  index,
  slice: (v, ...is) => {
    if (typeof v !== "string" && !Array.isArray(v)) throw new Error(`can't slice item of type ${goType(v)}`);
    return v.slice(is[0] === undefined ? 0 : int(is[0]), is[1] === undefined ? undefined : int(is[1]));
  },
  print: (...args) => sprint(args),
  println: (...args) => `${args.map((a) => show(a, false)).join(" ")}\n`,
  printf: sprintf,
  // docker's json: encoding/json without HTML escaping, trailing newline trimmed.
  json: (v) => JSON.stringify(v ?? null),
  split: (s, sep) => str(s, "split").split(str(sep, "separator")),
  join: (list, sep) => {
    if (!Array.isArray(list)) throw new Error(`wrong type for value; expected []string; got ${goType(list)}`);
    return list.map((x) => str(x, "join")).join(str(sep, "separator"));
  },
  // strings.Title: each word's first letter upper-cased, the rest untouched.
  title: (s) => str(s, "title").replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, before: string, c: string) => before + c.toUpperCase()),
  lower: (s) => str(s, "lower").toLowerCase(),
  upper: (s) => str(s, "upper").toUpperCase(),
  // docker's padWithSpace(source, prefix, suffix): an empty string stays empty.
  pad: (s, prefix, suffix) => (str(s, "pad") === "" ? "" : `${" ".repeat(int(prefix))}${s}${" ".repeat(int(suffix))}`),
  // docker's truncateWithLength: bytes in Go; characters here.
  truncate: (s, n) => (str(s, "truncate").length < int(n) ? s : (s as string).slice(0, n as number)),
};

/** docker's templates.HeaderFunctions: in a table's header row, formatting functions pass the column title through. */
export const HEADER_FUNCS: Record<string, TemplateFunc> = {
  ...FUNCS,
  ...Object.fromEntries(["json", "split", "join", "title", "lower", "upper", "pad", "truncate"].map((name) => [name, (title: unknown) => title])),
};
