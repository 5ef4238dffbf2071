// Compose's variable interpolation, applied to every string of a compose file:
// $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+replacement},
// ${VAR+replacement}, ${VAR:?error}, ${VAR?error}; $$ is a literal $.
// Defaults may hold further ${...} (nested), as the Compose Specification allows.
import { BunkerError } from "../lib/errors.ts";

export type Environment = Record<string, string | undefined>;

/** Replaces the variables in `text`; `where` names the key for error messages. */
export function interpolate(text: string, env: Environment, where: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next === "{") {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new BunkerError(`invalid interpolation format for ${where}: "${text}": a "\${" is not closed`, 1);
      out += substitute(text.slice(i + 2, end), env, where, text);
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name) {
        out += "$";
        i++;
        continue;
      }
      out += env[name] ?? "";
      i += 1 + name.length;
    }
  }
  return out;
}

/** The index of the "}" that closes a "${" whose body starts at `from`, skipping nested ones. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}

function substitute(body: string, env: Environment, where: string, whole: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(body);
  if (!m) throw new BunkerError(`invalid interpolation format for ${where}: "${whole}": use \${VAR}, \${VAR:-default} or \${VAR:?error}`, 1);
  const [, name, op, arg = ""] = m;
  const value = env[name];
  const unsetOrEmpty = value === undefined || value === "";
  const missing = op?.startsWith(":") ? unsetOrEmpty : value === undefined;
  switch (op) {
    case undefined:
      return value ?? "";
    case "-":
    case ":-":
      return missing ? interpolate(arg, env, where) : (value as string);
    case "+":
    case ":+":
      return missing ? "" : interpolate(arg, env, where);
    default: // "?" and ":?"
      if (missing) throw new BunkerError(`required variable ${name} is missing a value: ${interpolate(arg, env, where) || `${where} needs it`}`, 1);
      return value as string;
  }
}

/** Interpolates every string in a parsed compose document (keys stay as written). */
export function interpolateTree(node: unknown, env: Environment, path = ""): unknown {
  if (typeof node === "string") return interpolate(node, env, path || "the file");
  if (Array.isArray(node)) return node.map((v, i) => interpolateTree(v, env, `${path}[${i}]`));
  if (node && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, path ? `${path}.${k}` : k)]));
  }
  return node;
}
