// The `filters` query parameter of the listing and prune endpoints: JSON that maps
// each key to its values, either {"key":{"value":true}} (API 1.22 on) or the older
// {"key":["value"]}. It becomes the CLI's KEY=VALUE strings, so both are checked
// and matched by the engine's one Filters.
import { Filters } from "../lib/filters.ts";
import { ApiError } from "./errors.ts";

/** The KEY=VALUE strings of `filters`; a malformed one is a 400, as dockerd answers. */
export function filterArgs(query: URLSearchParams): string[] {
  const text = query.get("filters");
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `invalid filter: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new ApiError(400, "invalid filter: the filters must be a JSON object");
  const args: string[] = [];
  for (const [key, values] of Object.entries(parsed)) {
    const list = Array.isArray(values) ? values : values && typeof values === "object" ? Object.keys(values).filter((v) => (values as Record<string, unknown>)[v]) : null;
    if (!list?.every((v) => typeof v === "string")) throw new ApiError(400, `invalid filter: the values of '${key}' must be a list or a map of strings`);
    for (const v of list) args.push(`${key}=${v}`);
  }
  return args;
}

/** The request's filters, keys checked against ACCEPTED (400 "invalid filter 'KEY'" otherwise). */
export function queryFilters(query: URLSearchParams, accepted: readonly string[]): Filters {
  const args = filterArgs(query);
  for (const arg of args) {
    const key = arg.slice(0, arg.indexOf("="));
    if (!accepted.includes(key)) throw new ApiError(400, `invalid filter '${key}'`);
  }
  return Filters.parse(args, accepted, "");
}
