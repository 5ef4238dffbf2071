// Go text/template's parser for the subset docker formats use: actions, pipelines,
// if/else if/else, range (with $i, $v), with, variables, break/continue, comments.
import { TemplateError } from "./error.ts";
import { FUNCS } from "./funcs.ts";
import { lex, type Token } from "./lexer.ts";

export type Operand =
  | { kind: "dot" }
  | { kind: "field"; names: string[] }
  | { kind: "var"; name: string }
  | { kind: "ident"; name: string }
  | { kind: "literal"; value: unknown }
  | { kind: "pipe"; pipe: Pipeline }
  // A field chain on something else: $x.A, (index . 0).B.
  | { kind: "chain"; of: Operand; names: string[] };

export interface Command {
  args: Operand[];
  pos: number;
  source: string;
}

export interface Pipeline {
  decl: string[];
  /** `=` assigns an outer variable, `:=` declares one in this scope. */
  assign: boolean;
  cmds: Command[];
}

export interface Block {
  kind: "if" | "with" | "range";
  pipe: Pipeline;
  list: Node[];
  elseList: Node[];
}

export type Node =
  | { kind: "text"; text: string }
  | { kind: "action"; pipe: Pipeline }
  | Block
  | { kind: "break" | "continue" };

const LITERALS: Record<string, unknown> = { true: true, false: false, nil: null };

export interface Template {
  source: string;
  root: Node[];
}

export function parse(source: string): Template {
  const p = new Parser(source, lex(source));
  return { source, root: p.list(0) };
}

class Parser {
  private i = 0;
  /** The keyword ("end", "else") that ended the last list; else undefined at end of input. */
  stopper: string | undefined;
  /** How many {{range}} bodies enclose the current list: {{break}} and {{continue}} need one. */
  private loops = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  error(message: string, at = this.tokens[Math.min(this.i, this.tokens.length - 1)]?.pos ?? 0): TemplateError {
    return TemplateError.at(this.src, at, message);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw this.error("unexpected EOF");
    return t;
  }

  private expect(kind: Token["kind"], context: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw this.error(`unexpected ${JSON.stringify(t.value)} in ${context}`, t.pos);
    return t;
  }

  /** Nodes until {{end}}, {{else}} or the end; `depth` 0 is the top level, where those are errors. */
  list(depth: number): Node[] {
    const nodes: Node[] = [];
    this.stopper = undefined;
    while (this.i < this.tokens.length) {
      const t = this.next();
      if (t.kind === "text") {
        nodes.push({ kind: "text", text: t.value });
        continue;
      }
      const word = this.peek()?.kind === "ident" ? this.peek()?.value : undefined;
      if (word === "end" || word === "else") {
        if (depth === 0) throw this.error(`unexpected {{${word}}}`);
        this.stopper = word;
        this.i++;
        return nodes;
      }
      nodes.push(this.action(word, depth));
    }
    if (depth > 0) throw this.error("unexpected EOF");
    return nodes;
  }

  private action(word: string | undefined, depth: number): Node {
    if (word === "if" || word === "with" || word === "range") {
      this.i++;
      return this.control(word, depth);
    }
    if (word === "break" || word === "continue") {
      if (this.loops === 0) throw this.error(`{{${word}}} outside {{range}}`);
      this.i++;
      this.expect("close", word);
      return { kind: word };
    }
    if (word === "define" || word === "template" || word === "block") throw this.error(`{{${word}}} is not supported`);
    return { kind: "action", pipe: this.pipeline("command") };
  }

  /** if/with/range PIPELINE LIST [{{else [if|with] …}} LIST] {{end}}. */
  private control(kind: "if" | "with" | "range", depth: number): Node {
    const pipe = this.pipeline(kind);
    if (kind === "range") this.loops++;
    const list = this.list(depth + 1);
    if (kind === "range") this.loops--;
    let elseList: Node[] = [];
    if (this.stopper === "else") {
      const chained = this.peek()?.kind === "ident" && this.peek()?.value === kind && kind !== "range";
      if (chained) {
        // {{else if x}} is {{else}}{{if x}}…{{end}} sharing the outer {{end}}.
        this.i++;
        elseList = [this.control(kind, depth)];
        return { kind, pipe, list, elseList };
      }
      this.expect("close", "else");
      elseList = this.list(depth + 1);
      if ((this.stopper as string | undefined) !== "end") throw this.error("expected end; found {{else}}");
    }
    this.expect("close", "end");
    return { kind, pipe, list, elseList };
  }

  private pipeline(context: string, end: Token["kind"] = "close"): Pipeline {
    const pipe: Pipeline = { decl: [], assign: false, cmds: [] };
    // $x := …, $x = …, or range's $i, $v := ….
    const k = (o: number) => this.peek(o)?.kind;
    if (k(0) === "var" && (k(1) === "declare" || k(1) === "assign" || (k(1) === "comma" && k(2) === "var" && k(3) === "declare"))) {
      pipe.decl.push(this.next().value);
      if (k(0) === "comma") {
        this.i++;
        pipe.decl.push(this.next().value);
      }
      pipe.assign = this.next().kind === "assign";
    }
    for (;;) {
      pipe.cmds.push(this.command(context));
      const t = this.next();
      if (t.kind === end) break;
      if (t.kind !== "pipe") throw this.error(`unexpected ${JSON.stringify(t.value)} in ${context}`, t.pos);
    }
    return pipe;
  }

  private command(context: string): Command {
    const start = this.peek();
    const args: Operand[] = [];
    while (this.peek() && !["close", "pipe", "rparen"].includes(this.peek()?.kind as string)) args.push(this.operand());
    if (args.length === 0) throw this.error(`missing value for ${context}`);
    const stop = this.peek()?.pos ?? this.src.length;
    return { args, pos: start?.pos ?? 0, source: this.src.slice(start?.pos ?? 0, stop).trim() };
  }

  private operand(): Operand {
    const t = this.next();
    let op: Operand;
    switch (t.kind) {
      case "dot":
        op = { kind: "dot" };
        break;
      case "field":
        op = { kind: "field", names: t.value.slice(1).split(".") };
        break;
      case "var":
        op = { kind: "var", name: t.value };
        break;
      case "string":
        op = { kind: "literal", value: unquote(t.value) };
        break;
      case "number":
        op = { kind: "literal", value: Number(t.value.replaceAll("_", "")) };
        if (Number.isNaN(op.value)) throw this.error(`bad number syntax: ${JSON.stringify(t.value)}`, t.pos);
        break;
      case "ident":
        if (t.value in LITERALS) op = { kind: "literal", value: LITERALS[t.value] };
        else if (Object.hasOwn(FUNCS, t.value)) op = { kind: "ident", name: t.value };
        else throw this.error(`function ${JSON.stringify(t.value)} not defined`, t.pos);
        break;
      case "lparen":
        op = { kind: "pipe", pipe: this.pipeline("parenthesized pipeline", "rparen") };
        break;
      default:
        throw this.error(`unexpected ${JSON.stringify(t.value)} in operand`, t.pos);
    }
    const after = this.peek();
    if (after?.kind === "field" && !after.spaced && op.kind !== "field" && op.kind !== "ident") {
      this.i++;
      op = { kind: "chain", of: op, names: after.value.slice(1).split(".") };
    }
    return op;
  }
}

function unquote(s: string): string {
  if (s.startsWith("`")) return s.slice(1, -1);
  try {
    // Go's escapes that JSON lacks; raw control characters (a tab from docker's \t expansion) are legal in Go.
    const json = s.replace(/\\([abfv'])/g, (_, c: string) => ({ a: "\\u0007", b: "\\b", f: "\\f", v: "\\u000b", "'": "'" })[c] as string);
    return JSON.parse(json.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  } catch {
    throw new TemplateError(`template: :1: invalid syntax: ${s}`);
  }
}
