// Go text/template's lexer, reduced to what docker's --format needs: text runs and
// the tokens inside {{ }}, with trim markers applied to the neighbouring text here
// so that the parser never sees whitespace it must drop.
import { TemplateError } from "./error.ts";

export type TokenKind = "text" | "open" | "close" | "field" | "dot" | "var" | "ident" | "string" | "number" | "pipe" | "lparen" | "rparen" | "comma" | "declare" | "assign";

export interface Token {
  kind: TokenKind;
  value: string;
  /** Offset in the source, for "template: :LINE:COL:" positions. */
  pos: number;
  /** Whether whitespace precedes it: `(x).F` chains a field, `(x) .F` is another argument. */
  spaced: boolean;
}

const TRIM = /^[ \t\r\n]/;
const NUMBER = /^[-+]?(0[xX][0-9a-fA-F_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d+)?)/;
const FIELD = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const PUNCT: Record<string, TokenKind> = { "|": "pipe", "(": "lparen", ")": "rparen", ",": "comma", "=": "assign" };

export function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open < 0) {
      if (text) tokens.push({ kind: "text", value: text, pos: i, spaced: false });
      break;
    }
    // "{{- " trims the text before; the space is required, or "{{-3}}" would be ambiguous.
    const trimLeft = src[open + 2] === "-" && TRIM.test(src.slice(open + 3, open + 4));
    if (trimLeft) text = text.replace(/\s+$/, "");
    if (text) tokens.push({ kind: "text", value: text, pos: i, spaced: false });
    const r = lexAction(src, open + (trimLeft ? 3 : 2), tokens, open);
    i = r.end;
    trimNext = r.trimRight;
  }
  return tokens;
}

function lexAction(src: string, start: number, tokens: Token[], open: number): { end: number; trimRight: boolean } {
  let i = start;
  const ws = () => {
    const s = i;
    while (i < src.length && TRIM.test(src[i])) i++;
    return i > s;
  };
  let spaced = ws();
  // Comments are a whole action: {{/* … */}}, and produce nothing.
  if (src.startsWith("/*", i)) {
    const close = src.indexOf("*/", i);
    if (close < 0) throw TemplateError.at(src, open, "unclosed comment");
    i = close + 2;
    const trimRight = src.startsWith(" -}}", i);
    const end = trimRight ? i + 4 : src.startsWith("}}", i) ? i + 2 : -1;
    if (end < 0) throw TemplateError.at(src, open, "comment ends before closing delimiter");
    return { end, trimRight };
  }
  tokens.push({ kind: "open", value: "{{", pos: open, spaced: false });
  for (;;) {
    if (i >= src.length) throw TemplateError.at(src, open, "unclosed action");
    if (spaced && src[i] === "-" && src.startsWith("-}}", i)) {
      tokens.push({ kind: "close", value: "}}", pos: i, spaced });
      return { end: i + 3, trimRight: true };
    }
    if (src.startsWith("}}", i)) {
      tokens.push({ kind: "close", value: "}}", pos: i, spaced });
      return { end: i + 2, trimRight: false };
    }
    const pos = i;
    const push = (kind: TokenKind, value: string) => {
      tokens.push({ kind, value, pos, spaced });
      i = pos + value.length;
    };
    const c = src[i];
    const rest = src.slice(i);
    if (c === '"' || c === "`") push("string", quoted(src, i, open));
    else if (rest.startsWith(":=")) push("declare", ":=");
    else if (PUNCT[c]) push(PUNCT[c], c);
    else if (/^[-+]?\.?\d/.test(rest)) push("number", (rest.match(NUMBER) as RegExpMatchArray)[0]);
    else if (c === ".") {
      const chain = rest.match(FIELD)?.[0];
      push(chain ? "field" : "dot", chain ?? ".");
    } else if (c === "$") push("var", `$${rest.slice(1).match(WORD)?.[0] ?? ""}`);
    else if (WORD.test(rest)) push("ident", (rest.match(WORD) as RegExpMatchArray)[0]);
    else throw TemplateError.at(src, i, `unexpected ${JSON.stringify(c)} in command`);
    spaced = ws();
  }
}

/** The literal as written, quotes included; the parser unquotes it. */
function quoted(src: string, start: number, open: number): string {
  const q = src[start];
  for (let i = start + 1; i < src.length; i++) {
    if (q === '"' && src[i] === "\\") i++;
    else if (src[i] === q) return src.slice(start, i + 1);
    else if (q === '"' && src[i] === "\n") break;
  }
  throw TemplateError.at(src, open, "unterminated quoted string");
}
