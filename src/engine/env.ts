// Docker's environment rules: the image's Env, then --env-file, then -e; a
// bare NAME takes the value from the caller's environment if it has one. That
// is the front door's to do (withCallerValue): the engine never reads its own
// process's environment, which in the API service is the service's.
import { readFileSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";

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

/** Merges lists of KEY=VALUE (or a bare KEY, kept as dockerd keeps it), later entries replacing earlier ones with the same key, keeping first-seen order. */
export function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) {
    for (const e of list) {
      const key = e.includes("=") ? e.slice(0, e.indexOf("=")) : e;
      if (key === "") throw new BunkerError(`invalid environment variable: ${e}`);
      out.set(key, e);
    }
  }
  return [...out.values()];
}
