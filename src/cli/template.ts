// A small subset of Go's text/template for `--format`: {{.Field.Sub}},
// {{json .Field}} and {{.}}. The full implementation belongs to the CLI issue.
import { BunkerError } from "../lib/errors.ts";

function lookup(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split(".").filter(Boolean)) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return "<no value>";
  if (typeof v === "object") return Array.isArray(v) ? `[${v.map(show).join(" ")}]` : `map[${Object.entries(v).map(([k, x]) => `${k}:${show(x)}`).join(" ")}]`;
  return String(v);
}

export function renderTemplate(template: string, data: unknown): string {
  return template
    .replace(/\\n/g, "\n")
    .replace(/\\t/g, "\t")
    .replace(/\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
      const m = expr.match(/^(json\s+)?(\.[\w.]*)$/);
      if (!m) throw new BunkerError(`template: unsupported expression "{{${expr}}}"`);
      const v = lookup(data, m[2]);
      return m[1] ? JSON.stringify(v ?? null) : show(v);
    });
}
