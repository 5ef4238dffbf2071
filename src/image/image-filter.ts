// `images --filter reference=`: docker's FamiliarMatch, Go's path.Match against
// "name:tag" and then against "name", in the familiar form (busybox:latest, not
// docker.io/library/busybox:latest).
import { BunkerError } from "../lib/errors.ts";
import { displayParts } from "./reference.ts";

const SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;
const escape = (c: string) => c.replace(SPECIAL, "\\$&");
const badPattern = () => new BunkerError("syntax error in pattern");

/** One possibly escaped character of a class, and the index after it; "-" and "]" must be escaped there. */
function classChar(p: string, i: number): [string, number] {
  if (i >= p.length || p[i] === "-" || p[i] === "]") throw badPattern();
  if (p[i] === "\\" && ++i >= p.length) throw badPattern();
  return [p[i], i + 1];
}

/** A [...] class starting after its "[": the RegExp class and the index of its "]". */
function charClass(p: string, i: number): [string, number] {
  let out = "[";
  if (p[i] === "^") {
    out += "^";
    i++;
  }
  for (let ranges = 0; ; ranges++) {
    if (p[i] === "]" && ranges > 0) return [`${out}]`, i];
    const [lo, next] = classChar(p, i);
    let hi = lo;
    i = next;
    if (p[i] === "-") [hi, i] = classChar(p, i + 1);
    out += hi === lo ? escape(lo) : `${escape(lo)}-${escape(hi)}`;
  }
}

/** Go's path.Match as a RegExp: * and ? never cross a "/", [...] is a class, \ escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const [cls, end] = charClass(pattern, i + 1);
      re += cls;
      i = end;
    } else if (c === "\\") {
      if (++i >= pattern.length) throw badPattern();
      re += escape(pattern[i]);
    } else re += escape(c);
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    throw badPattern(); // e.g. a range whose ends are reversed
  }
}

/** Whether a canonical name (docker.io/library/busybox:latest) matches a reference= pattern. */
export function referenceMatches(pattern: string, canonicalName: string): boolean {
  const { repository, tag } = displayParts(canonicalName);
  const re = globToRegExp(pattern);
  return re.test(`${repository}:${tag}`) || re.test(repository);
}
