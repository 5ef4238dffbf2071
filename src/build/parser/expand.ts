// Docker's variable substitution for a word of an instruction's arguments:
// $VAR, ${VAR}, ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word},
// ${VAR:?msg}; single quotes are literal, double quotes expand, the escape
// character makes the next character literal; quotes are removed.
import { BunkerError } from "../../lib/errors.ts";

export type Vars = ReadonlyMap<string, string>;

export function expandWord(word: string, vars: Vars, escape = "\\"): string {
  return new Expander(word, vars, escape, true).word();
}

/** A heredoc's body: variables substituted, quotes and other escapes left as written (only `\$` is a literal `$`). */
export function expandText(text: string, vars: Vars, escape = "\\"): string {
  return new Expander(text, vars, escape, false).word();
}

class Expander {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly vars: Vars,
    private readonly escape: string,
    private readonly quotes: boolean,
  ) {}

  /** Up to the end, or up to `stop` (outside quotes) when given: the body of ${VAR:-…}. */
  word(stop?: string): string {
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === stop) return out;
      this.i++;
      if (c === "$") out += this.dollar();
      else if (!this.quotes) out += c === this.escape && this.s[this.i] === "$" ? this.s[this.i++] : c;
      else if (c === "'") out += this.until("'");
      else if (c === '"') out += this.doubleQuoted();
      else if (c === this.escape) out += this.i < this.s.length ? this.s[this.i++] : c;
      else out += c;
    }
    return out;
  }

  private until(end: string): string {
    const j = this.s.indexOf(end, this.i);
    if (j < 0) throw new BunkerError(`unexpected end of statement while looking for matching ${end}`, 1);
    const text = this.s.slice(this.i, j);
    this.i = j + 1;
    return text;
  }

  private doubleQuoted(): string {
    let out = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '"') return out;
      if (c === "$") out += this.dollar();
      else if (c === this.escape && this.i < this.s.length && '"$'.concat(this.escape).includes(this.s[this.i])) out += this.s[this.i++];
      else out += c;
    }
    throw new BunkerError('unexpected end of statement while looking for matching "', 1);
  }

  private dollar(): string {
    if (this.s[this.i] !== "{") {
      const name = this.s.slice(this.i).match(/^[A-Za-z_][A-Za-z0-9_]*/)?.[0];
      if (!name) return "$";
      this.i += name.length;
      return this.vars.get(name) ?? "";
    }
    this.i++;
    const name = this.s.slice(this.i).match(/^[A-Za-z_][A-Za-z0-9_]*/)?.[0];
    if (!name) throw new BunkerError(`bad substitution: \${${this.s.slice(this.i, this.s.indexOf("}", this.i))}}`, 1);
    this.i += name.length;
    if (this.s[this.i] === "}") {
      this.i++;
      return this.vars.get(name) ?? "";
    }
    const op = this.s.slice(this.i).match(/^:?[-+?]/)?.[0];
    if (!op) throw new BunkerError(`unsupported modifier in \${${name}${this.s.slice(this.i, this.s.indexOf("}", this.i))}}: use :-, -, :+, + or :?`, 1);
    this.i += op.length;
    const word = this.word("}");
    if (this.s[this.i] !== "}") throw new BunkerError(`missing '}' in \${${name}${op}…`, 1);
    this.i++;
    const value = this.vars.get(name);
    // With ':' an empty value counts as unset.
    const set = op.startsWith(":") ? value !== undefined && value !== "" : value !== undefined;
    switch (op.replace(":", "")) {
      case "-":
        return set ? value! : word;
      case "+":
        return set ? word : "";
      default:
        if (!set) throw new BunkerError(`${name}: ${word || "is not allowed to be unset"}`, 1);
        return value!;
    }
  }
}
