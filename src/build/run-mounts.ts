// RUN --mount=type=cache|bind|tmpfs|secret: parsed, checked (no `..` in a
// target or id, so nothing is mounted or kept outside its place), and turned
// into the container's binds and tmpfs mounts.
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join, posix } from "node:path";
import { BunkerError } from "../lib/errors.ts";

export type RunMount =
  | { type: "cache"; target: string; id: string; readonly: boolean }
  | { type: "bind"; target: string; source: string; from?: string; readonly: boolean }
  | { type: "tmpfs"; target: string; size?: string }
  | { type: "secret"; target: string; id: string; required: boolean };

function fail(spec: string, why: string): never {
  throw new BunkerError(`invalid --mount=${spec}: ${why}`, 1);
}

function checkedPath(spec: string, what: string, value: string): string {
  if (value.split("/").includes("..")) fail(spec, `${what} "${value}" must not contain ".."`);
  return value;
}

export function parseRunMount(spec: string, workdir: string): RunMount {
  const kv = new Map<string, string>();
  for (const part of spec.split(",")) {
    const i = part.indexOf("=");
    kv.set(i < 0 ? part : part.slice(0, i), i < 0 ? "true" : part.slice(i + 1));
  }
  const type = kv.get("type") ?? "bind";
  const rawTarget = kv.get("target") ?? kv.get("dst") ?? kv.get("destination");
  const target = (raw: string) => posix.resolve(workdir || "/", checkedPath(spec, "target", raw));
  const readonly = ["ro", "readonly"].some((k) => kv.get(k) === "true") || kv.get("rw") === "false";
  switch (type) {
    case "cache": {
      if (!rawTarget) fail(spec, "a cache mount needs target=");
      const t = target(rawTarget);
      return { type, target: t, id: checkedPath(spec, "id", kv.get("id") ?? t), readonly };
    }
    case "bind":
      if (!rawTarget) fail(spec, "a bind mount needs target=");
      return { type, target: target(rawTarget), source: checkedPath(spec, "source", kv.get("source") ?? kv.get("src") ?? "."), ...(kv.has("from") ? { from: kv.get("from")! } : {}), readonly: kv.get("rw") !== "true" && kv.get("readwrite") !== "true" };
    case "tmpfs":
      if (!rawTarget) fail(spec, "a tmpfs mount needs target=");
      return { type, target: target(rawTarget), ...(kv.has("size") ? { size: kv.get("size") } : {}) };
    case "secret": {
      const id = checkedPath(spec, "id", kv.get("id") ?? (rawTarget ? posix.basename(rawTarget) : fail(spec, "a secret mount needs id= or target=")));
      return { type, id, target: rawTarget ? target(rawTarget) : `/run/secrets/${id}`, required: kv.get("required") === "true" };
    }
    default:
      return fail(spec, `unknown mount type "${type}": use cache, bind, tmpfs or secret`);
  }
}

/** The host directory of a cache mount: named by a hash of its id, so no id can name a path. */
export function cacheMountDir(imageDir: string, id: string): string {
  const dir = join(imageDir, "build-cache-mounts", createHash("sha256").update(id).digest("hex").slice(0, 32));
  mkdirSync(dir, { recursive: true });
  return dir;
}
