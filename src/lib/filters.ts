// docker's --filter KEY=VALUE, shared by the listing commands (ps, images, volume ls)
// and the API's `filters` query parameter: values of one key are alternatives (any
// may match), different keys must all match, and label filters must all match
// (docker's MatchKVList).
import { InvalidParameterError, UsageError } from "./errors.ts";

const TRUE = new Set(["true", "1"]);
const FALSE = new Set(["false", "0"]);

export class Filters {
  private constructor(private readonly byKey: Map<string, string[]>) {}

  /**
   * Parses the --filter flags of `command`. A malformed one is a flag error (exit 125), as the docker
   * CLI parses them; an unknown key is the daemon's refusal (exit 1), as docker sends them there.
   */
  static parse(args: string[], accepted: readonly string[], command: string): Filters {
    const byKey = new Map<string, string[]>();
    for (const arg of args) {
      const eq = arg.indexOf("=");
      if (eq < 0) throw new UsageError(`invalid argument "${arg}" for "-f, --filter" flag: bad format of filter (expected name=value)`, command);
      const key = arg.slice(0, eq).trim().toLowerCase();
      byKey.set(key, [...(byKey.get(key) ?? []), arg.slice(eq + 1).trim()]);
    }
    return Filters.checked(byKey, accepted);
  }

  /**
   * The API's `filters` parameter: JSON {"key": ["value", …]}, or the older {"key": {"value": true}}
   * that clients of API < 1.22 still send (docker's filters.FromJSON); empty or absent is no filter.
   */
  static fromJson(json: string | null | undefined, accepted: readonly string[]): Filters {
    const byKey = new Map<string, string[]>();
    if (json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        throw new InvalidParameterError(`invalid filter: ${json}`);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new InvalidParameterError(`invalid filter: ${json}`);
      for (const [key, values] of Object.entries(parsed)) {
        const list = Array.isArray(values) ? values : typeof values === "object" && values !== null ? Object.keys(values).filter((v) => (values as Record<string, unknown>)[v]) : undefined;
        if (!list?.every((v) => typeof v === "string")) throw new InvalidParameterError(`invalid filter: ${json}`);
        byKey.set(key.toLowerCase(), list as string[]);
      }
    }
    return Filters.checked(byKey, accepted);
  }

  private static checked(byKey: Map<string, string[]>, accepted: readonly string[]): Filters {
    for (const key of byKey.keys()) if (!accepted.includes(key)) throw new InvalidParameterError(`invalid filter '${key}'`);
    return new Filters(byKey);
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  values(key: string): string[] {
    return this.byKey.get(key) ?? [];
  }

  /** An absent key passes; else one of `sources` equals one of its values. */
  exact(key: string, ...sources: string[]): boolean {
    const values = this.byKey.get(key);
    return values === undefined || values.some((v) => sources.includes(v));
  }

  /** docker's Match: an absent key passes; else a value equals a source or, as a regular expression, is found in one. */
  match(key: string, ...sources: string[]): boolean {
    const values = this.byKey.get(key);
    return values === undefined || values.some((v) => sources.includes(v) || sources.some((s) => searches(v, s)));
  }

  /** label=KEY or label=KEY=VALUE: every one given must hold. */
  labels(labels: Record<string, string> | null | undefined): boolean {
    return this.values("label").every((want) => labelHolds(want, labels));
  }

  /** Whether any KEY or KEY=VALUE given under KEY (prune's label!=) holds. */
  anyLabel(key: string, labels: Record<string, string> | null | undefined): boolean {
    return this.values(key).some((want) => labelHolds(want, labels));
  }

  /** A true/false filter (dangling=): undefined if absent; anything but true/false/1/0 is refused. */
  bool(key: string): boolean | undefined {
    const values = this.byKey.get(key);
    if (values === undefined) return undefined;
    const v = values[values.length - 1];
    if (!TRUE.has(v.toLowerCase()) && !FALSE.has(v.toLowerCase())) throw new InvalidParameterError(`invalid filter '${key}=${v}'`);
    return TRUE.has(v.toLowerCase());
  }

  /** Each value checked against `valid`, with docker's message for the first one that is not. */
  oneOf(key: string, valid: readonly string[], message = (v: string) => `invalid filter '${key}=${v}'`): string[] {
    const values = this.values(key);
    const bad = values.find((v) => !valid.includes(v));
    if (bad !== undefined) throw new InvalidParameterError(message(bad));
    return values;
  }
}

function labelHolds(want: string, labels: Record<string, string> | null | undefined): boolean {
  const eq = want.indexOf("=");
  const k = eq < 0 ? want : want.slice(0, eq);
  return labels != null && Object.hasOwn(labels, k) && (eq < 0 || labels[k] === want.slice(eq + 1));
}

/** Go's regexp.MatchString; a value that is not a valid expression matches nothing (docker skips it). */
function searches(pattern: string, source: string): boolean {
  try {
    return new RegExp(pattern).test(source);
  } catch {
    return false;
  }
}
