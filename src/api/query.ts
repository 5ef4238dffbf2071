// Query parameters read as dockerd reads them (httputils.BoolValue, strconv.Atoi).
import { ApiError } from "./errors.ts";

/** dockerd's BoolValue: absent is DEFAULT; "", "0", "no", "false" and "none" are false; anything else is true. */
export function boolParam(query: URLSearchParams, name: string, fallback = false): boolean {
  const v = query.get(name);
  if (v === null) return fallback;
  return !["", "0", "no", "false", "none"].includes(v.trim().toLowerCase());
}

/** An integer parameter; absent or empty is undefined, anything else not an integer a 400. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  if (!/^[-+]?\d+$/.test(v)) throw new ApiError(400, `strconv.Atoi: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** A string parameter; absent or empty is undefined. */
export function strParam(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v === "" ? undefined : v;
}
