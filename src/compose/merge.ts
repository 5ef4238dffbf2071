// Merging compose files (-f a -f b; include; extends) by the Compose
// Specification's rules: mappings merge key by key, the later file winning;
// command, entrypoint and healthcheck.test are replaced whole; list-or-map
// fields (environment, labels, build args) merge as mappings; a service's volumes merge
// by target, its ports and other sequences are appended without duplicates.

type Node = unknown;

/** Fields written either as a mapping or as a list of KEY=VALUE. */
const KEY_VALUE_FIELDS = new Set(["environment", "labels", "args", "sysctls", "annotations"]);
/** Sequences replaced, not appended. */
const REPLACED = new Set(["command", "entrypoint", "test", "dns", "dns_opt", "dns_search", "tmpfs", "profiles"]);

const isMap = (n: Node): n is Record<string, Node> => n !== null && typeof n === "object" && !Array.isArray(n);

/** A list of KEY=VALUE (or bare KEY, meaning null: "take it from the environment") as a mapping. */
export function keyValueMap(node: Node): Record<string, Node> {
  if (!Array.isArray(node)) return isMap(node) ? node : {};
  const out: Record<string, Node> = {};
  for (const item of node) {
    const text = String(item);
    const eq = text.indexOf("=");
    if (eq < 0) out[text] = null;
    else out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

function targetOf(volume: Node): string {
  if (isMap(volume)) return String(volume.target);
  const parts = String(volume).split(":");
  return parts.length === 1 ? parts[0] : parts[1];
}

function mergeSequence(key: string, base: Node[], over: Node[]): Node[] {
  if (key === "volumes") {
    const byTarget = new Map<string, Node>();
    for (const v of [...base, ...over]) byTarget.set(targetOf(v), v);
    return [...byTarget.values()];
  }
  const out = [...base];
  const seen = new Set(base.map((v) => JSON.stringify(v)));
  for (const v of over) if (!seen.has(JSON.stringify(v))) out.push(v);
  return out;
}

/** `over` merged onto `base` (neither is changed). */
export function mergeNodes(base: Node, over: Node, key = ""): Node {
  if (over === undefined) return base;
  if (KEY_VALUE_FIELDS.has(key) && (Array.isArray(base) || isMap(base)) && (Array.isArray(over) || isMap(over))) {
    return { ...keyValueMap(base), ...keyValueMap(over) };
  }
  if (isMap(base) && isMap(over)) {
    const out: Record<string, Node> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeNodes(base[k], v, k) : v;
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over) && !REPLACED.has(key)) return mergeSequence(key, base, over);
  return over;
}
