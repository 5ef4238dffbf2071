// `logs --since/--until` values, read as docker's client reads them
// (timetypes.GetTimestamp): a Go duration before now ("10m", "1h30m"), an
// RFC 3339 date or time (local time without a zone), or a Unix timestamp
// with an optional fraction ("1700000000.5").
import { BunkerError } from "../lib/errors.ts";
import { parseGoDuration } from "./units.ts";

/** A Go duration in nanoseconds, or undefined when the text is not one (it may be a date). */
export function goDurationOrUndefined(text: string): number | undefined {
  try {
    return parseGoDuration(text);
  } catch {
    return undefined;
  }
}

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d)(?::(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d\d:\d\d)?$/i;

/** Nanoseconds since the epoch; `flag` ("since", "until") names the value in docker's error. */
export function parseLogTime(value: string, flag: string, now = Date.now()): bigint {
  // Docker: "0" is the Unix epoch, not a zero duration.
  const duration = value === "0" ? undefined : goDurationOrUndefined(value);
  if (duration !== undefined) return BigInt(Math.trunc((now - duration / 1e6) / 1000)) * 1_000_000_000n; // whole seconds, as docker
  const dt = DATE_TIME.exec(value);
  if (dt) {
    const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = dt;
    const fields = [y, mo, d, h, mi, s].map(Number);
    const local = new Date(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
    // Date rolls 2026-13-45 over into 2027; Go refuses it.
    const valid = local.getMonth() === fields[1] - 1 && local.getDate() === fields[2] && fields[3] < 24 && fields[4] < 60 && fields[5] < 60;
    const ms = zone ? Date.parse(`${y}-${mo}-${d}T${h.padStart(2, "0")}:${mi.padStart(2, "0")}:${s.padStart(2, "0")}${zone.toUpperCase()}`) : local.getTime();
    if (valid && !Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, "0"));
  }
  const unix = /^\+?(\d+)(?:\.(\d+))?$/.exec(value);
  if (unix) return BigInt(unix[1]) * 1_000_000_000n + BigInt((unix[2] ?? "").slice(0, 9).padEnd(9, "0"));
  throw new BunkerError(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`, 1); // docker's client-side error: 1
}
