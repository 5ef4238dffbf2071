// Docker's environment rules: the image's Env, then --env-file, then -e; a
// bare NAME takes the value from the caller's environment if it has one.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";

function expand(entry: string): string | null {
  const e = withCallerValue(entry);
  return e.includes("=") ? e : null;
}

/** A bare NAME with the caller's value, as the docker CLI sends it (NAME alone when the caller has none). */
export function withCallerValue(entry: string): string {
  if (entry.includes("=")) return entry;
  const v = process.env[entry];
  return v === undefined ? entry : `${entry}=${v}`;
}

export function readEnvFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new BunkerError(`open ${path}: no such file or directory`);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s+/, ""))
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Merges lists of KEY=VALUE, later entries replacing earlier ones with the same key, keeping first-seen order. */
export function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) {
    for (const raw of list) {
      const e = expand(raw);
      if (e === null) continue;
      const key = e.slice(0, e.indexOf("="));
      if (key === "") throw new BunkerError(`invalid environment variable: ${raw}`);
      out.set(key, e);
    }
  }
  return [...out.values()];
}
