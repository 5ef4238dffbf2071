// Query parameters as dockerd reads them (httputils.BoolValue, strconv.Atoi).
import { ApiError } from "./errors.ts";

/** "1", "true", "True"… are true; absent, "", "0", "false", "no", "none" are false (BoolValue). */
export function boolParam(q: URLSearchParams, name: string, fallback = false): boolean {
  const v = q.get(name);
  if (v === null) return fallback;
  return !["", "0", "false", "no", "none"].includes(v.trim().toLowerCase());
}

/** An integer parameter, FALLBACK when absent or empty; anything else is a 400. */
export function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const v = q.get(name);
  if (v === null || v === "") return fallback;
  if (!/^-?\d+$/.test(v)) throw new ApiError(400, `invalid ${name} value: ${v}`);
  return Number(v);
}

/** A JSON object parameter (buildargs, labels): absent is empty; malformed is a 400. */
export function jsonParam<T extends object>(q: URLSearchParams, name: string): T | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  try {
    return JSON.parse(v) as T;
  } catch {
    throw new ApiError(400, `invalid ${name}: not JSON: ${v}`);
  }
}

/** An integer parameter that may be absent (stop's t: the container's own timeout then). */
export function optionalIntParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null || v === "" ? undefined : intParam(q, name, 0);
}

/** A string parameter; absent or empty is undefined. */
export function strParam(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === "" ? undefined : v;
}
