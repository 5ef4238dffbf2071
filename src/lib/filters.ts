// docker's --filter KEY=VALUE, shared by the listing commands (ps, images, volume ls)
// and by the API's `filters` query parameter (api/filters.ts turns its JSON into these):
// values of one key are alternatives (any may match), different keys must all
// match, and label filters must all match (docker's MatchKVList).
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
    return this.values("label").every((want) => hasLabel(labels, want));
  }

  /** label!=KEY or label!=KEY=VALUE (the prune filters): none given may hold. */
  notLabels(labels: Record<string, string> | null | undefined): boolean {
    return !this.values("label!").some((spec) => hasLabel(labels, spec));
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

/** Go's regexp.MatchString; a value that is not a valid expression matches nothing (docker skips it). */
function searches(pattern: string, source: string): boolean {
  try {
    return new RegExp(pattern).test(source);
  } catch {
    return false;
  }
}

/** KEY or KEY=VALUE holds in LABELS. */
function hasLabel(labels: Record<string, string> | null | undefined, spec: string): boolean {
  const eq = spec.indexOf("=");
  const k = eq < 0 ? spec : spec.slice(0, eq);
  return labels != null && Object.hasOwn(labels, k) && (eq < 0 || labels[k] === spec.slice(eq + 1));
}
