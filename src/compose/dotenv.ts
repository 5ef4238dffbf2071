// `.env` and `--env-file` files as Compose reads them: KEY=VALUE lines, an
// optional `export `, comments, single quotes (literal), double quotes
// (with \n, \t, \" and \\ escapes) and `#` comments after unquoted values.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";

export function parseDotenv(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=\s*([\s\S]*))?$/.exec(line);
    if (!m) throw new BunkerError(`${file}:${i + 1}: invalid line: ${line}`, 1);
    const [, key, value = ""] = m;
    out[key] = unquote(value);
  });
  return out;
}

function unquote(value: string): string {
  const q = value[0];
  if ((q === "'" || q === '"') && value.lastIndexOf(q) > 0) {
    const inner = value.slice(1, value.lastIndexOf(q));
    if (q === "'") return inner;
    return inner.replace(/\\([nt"\\$])/g, (_, c) => ({ n: "\n", t: "\t" })[c as "n" | "t"] ?? c);
  }
  return value.replace(/\s+#.*$/, "");
}

export function readDotenv(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new BunkerError(`couldn't find env file: ${path}`, 1);
  }
  return parseDotenv(text, path);
}
