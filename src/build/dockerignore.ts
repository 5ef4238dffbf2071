// .dockerignore with docker's rules: one pattern a line (# comments), paths
// relative to the context (a leading / is dropped, the pattern is cleaned),
// `*` and `?` within a path element, `**` across any number of them, `!`
// re-includes. The last pattern that matches a path, or one of its parent
// directories, decides.
import { posix } from "node:path";

interface Pattern {
  re: RegExp;
  exception: boolean;
  /** The pattern up to its first wildcard: what anything it matches starts with. */
  literal: string;
}

function toRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else re += ".*";
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];

  constructor(text: string) {
    this.patterns = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => {
        const exception = l.startsWith("!");
        const body = posix.normalize(exception ? l.slice(1).trim() : l).replace(/^\/+/, "").replace(/\/+$/, "");
        return { re: toRegExp(body), exception, literal: body.split(/[*?[\\]/)[0] };
      });
  }

  /** Whether a context path ("a/b", no leading slash) is left out of the build. */
  ignored(path: string): boolean {
    let result = false;
    for (const p of this.patterns) if (matchesOrParent(p.re, path)) result = !p.exception;
    return result;
  }

  /** Whether a directory can be skipped whole: it is ignored and no `!` pattern could bring back anything under it. */
  prunes(dir: string): boolean {
    const under = `${dir}/`;
    return this.ignored(dir) && !this.patterns.some((p) => p.exception && (under.startsWith(p.literal) || p.literal.startsWith(under)));
  }
}

function matchesOrParent(re: RegExp, path: string): boolean {
  if (re.test(path)) return true;
  for (let i = path.indexOf("/"); i >= 0; i = path.indexOf("/", i + 1)) if (re.test(path.slice(0, i))) return true;
  return false;
}
