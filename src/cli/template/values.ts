// Go's view of our JSON-ish values: truth, printing (fmt's %v) and type names for errors.

export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** fmt's %v: a missing value at the top of an action is "<no value>", nested nils are "<nil>". */
export function show(v: unknown, top = true): string {
  if (v === undefined || v === null) return top ? "<no value>" : "<nil>";
  if (Array.isArray(v)) return `[${v.map((x) => show(x, false)).join(" ")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${show((v as Record<string, unknown>)[k], false)}`).join(" ")}]`;
  }
  return String(v);
}

export function goType(v: unknown): string {
  if (v === undefined || v === null) return "interface {}";
  if (Array.isArray(v)) return "[]interface {}";
  if (typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float64";
  return typeof v === "boolean" ? "bool" : "string";
}
