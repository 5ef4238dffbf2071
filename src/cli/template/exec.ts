// Executes a parsed template against data the way Go's text/template does with
// interface{} values: missing map keys are <no value>, fields of nil are errors.
import { columnOf, lineOf, TemplateError } from "./error.ts";
import { FUNCS, type TemplateFunc } from "./funcs.ts";
import type { Block, Command, Node, Operand, Pipeline, Template } from "./parser.ts";
import { goType, isTrue, show } from "./values.ts";

/** Thrown through nested lists by {{break}} and {{continue}} to the enclosing range. */
class LoopControl {
  constructor(readonly kind: "break" | "continue") {}
}

/** Marks "no piped value" apart from a piped undefined (a missing key). */
const NONE = Symbol("none");

interface Variable {
  name: string;
  value: unknown;
}

export function execute(t: Template, data: unknown, funcs: Record<string, TemplateFunc> = FUNCS): string {
  const out: string[] = [];
  const vars: Variable[] = [{ name: "$", value: data }];
  let cmd: Command | undefined;

  const fail = (message: string): never => {
    const at = cmd ? `:${lineOf(t.source, cmd.pos)}:${columnOf(t.source, cmd.pos)}: executing "" at <${cmd.source}>` : "";
    throw new TemplateError(`template: ${at}: ${message}`);
  };

  const field = (receiver: unknown, name: string): unknown => {
    if (receiver === undefined || receiver === null) return fail(`nil pointer evaluating interface {}.${name}`);
    if (typeof receiver !== "object" || Array.isArray(receiver)) return fail(`can't evaluate field ${name} in type ${goType(receiver)}`);
    return Object.hasOwn(receiver, name) ? (receiver as Record<string, unknown>)[name] : undefined;
  };

  /** The last name of a chain may be a method (a function value): it takes the command's arguments. */
  const chain = (receiver: unknown, names: string[], args: unknown[] | undefined): unknown => {
    let v = receiver;
    names.forEach((n, i) => {
      v = field(v, n);
      if (typeof v === "function" && i === names.length - 1) v = call(n, v as (...a: unknown[]) => unknown, args ?? []);
      else if (args && args.length > 0 && i === names.length - 1) fail(`${n} has arguments but cannot be invoked as function`);
    });
    return v;
  };

  const call = (name: string, fn: (...a: unknown[]) => unknown, args: unknown[]): unknown => {
    try {
      return fn(...args);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      return fail(`error calling ${name}: ${(e as Error).message}`);
    }
  };

  const variable = (name: string): Variable => {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i].name === name) return vars[i];
    return fail(`undefined variable: ${name}`);
  };

  const operand = (op: Operand, dot: unknown): unknown => {
    switch (op.kind) {
      case "dot":
        return dot;
      case "field":
        return chain(dot, op.names, undefined);
      case "var":
        return variable(op.name).value;
      case "literal":
        return op.value;
      case "pipe":
        return pipeline(op.pipe, dot);
      case "chain":
        return chain(operand(op.of, dot), op.names, undefined);
      case "ident":
        return call(op.name, funcs[op.name], []);
    }
  };

  const command = (c: Command, dot: unknown, piped: unknown): unknown => {
    cmd = c;
    const [head, ...rest] = c.args;
    const args = () => [...rest.map((a) => operand(a, dot)), ...(piped === NONE ? [] : [piped])];
    if (head.kind === "ident") {
      const values = args();
      cmd = c; // arguments may have run commands of their own
      return call(head.name, funcs[head.name], values);
    }
    if (head.kind === "field") return chain(dot, head.names, args());
    if (head.kind === "chain") return chain(operand(head.of, dot), head.names, args());
    if (rest.length > 0 || piped !== NONE) return fail(`can't give argument to non-function ${c.source.split(/\s/)[0]}`);
    return operand(head, dot);
  };

  const pipeline = (p: Pipeline, dot: unknown): unknown => {
    let value: unknown = NONE;
    for (const c of p.cmds) value = command(c, dot, value);
    for (const name of p.decl) {
      if (p.assign) variable(name).value = value;
      else vars.push({ name, value });
    }
    return value;
  };

  /** A list runs in its own variable scope, as Go's walk does. */
  const list = (nodes: Node[], dot: unknown): void => {
    const mark = vars.length;
    try {
      for (const n of nodes) node(n, dot);
    } finally {
      vars.length = mark;
    }
  };

  const range = (n: Block, dot: unknown): void => {
    const mark = vars.length;
    const over = pipeline({ ...n.pipe, decl: [] }, dot);
    const entries: [unknown, unknown][] = Array.isArray(over)
      ? over.map((v, i) => [i, v])
      : typeof over === "number" && Number.isInteger(over)
        ? Array.from({ length: Math.max(0, over) }, (_, i) => [i, i])
        : over !== null && typeof over === "object"
          ? Object.keys(over).sort().map((k) => [k, (over as Record<string, unknown>)[k]])
          : over === undefined || over === null
            ? []
            : fail(`range can't iterate over ${show(over)}`);
    if (entries.length === 0) return list(n.elseList, dot);
    for (const [k, v] of entries) {
      // One variable is the element; two are key/index and element.
      if (n.pipe.decl.length === 1) vars.push({ name: n.pipe.decl[0], value: v });
      if (n.pipe.decl.length === 2) vars.push({ name: n.pipe.decl[0], value: k }, { name: n.pipe.decl[1], value: v });
      try {
        list(n.list, v);
      } catch (e) {
        if (!(e instanceof LoopControl)) throw e;
        if (e.kind === "break") break;
      } finally {
        vars.length = mark;
      }
    }
  };

  const node = (n: Node, dot: unknown): void => {
    switch (n.kind) {
      case "text":
        out.push(n.text);
        return;
      case "action": {
        const v = pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) out.push(show(v));
        return;
      }
      case "if":
      case "with": {
        const mark = vars.length;
        const v = pipeline(n.pipe, dot);
        try {
          if (isTrue(v)) list(n.list, n.kind === "with" ? v : dot);
          else list(n.elseList, dot);
        } finally {
          vars.length = mark;
        }
        return;
      }
      case "range":
        return range(n, dot);
      case "break":
      case "continue":
        throw new LoopControl(n.kind);
    }
  };

  list(t.root, data);
  return out.join("");
}
