// `-v` specs, as docker reads them on Linux:
//   /host/path:/ctr[:opts]  a bind mount (a "./x" source is made absolute first, by absoluteVolumeSource)
//   name:/ctr[:opts]        a named volume (created when missing)
//   /ctr                    an anonymous volume (a random name, removed with `rm -v` or `run --rm`)
// Pure: no filesystem access, so the unit tests cover every shape.
import { isAbsolute, normalize, resolve } from "node:path";
import { BunkerError } from "../lib/errors.ts";

/** What a new volume gets (`--mount …,volume-label=,volume-opt=`); an existing one keeps its own. */
interface NewVolume {
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export type VolumeSpec =
  /** `mustExist`: --mount refuses a missing source, where -v creates it; `propagation`: --mount's bind-propagation. */
  | { kind: "bind"; source: string; destination: string; mode: string; rw: boolean; propagation?: string; mustExist?: boolean }
  | ({ kind: "volume"; name: string; destination: string; mode: string; rw: boolean; nocopy: boolean } & NewVolume)
  | ({ kind: "anonymous"; destination: string; mode: string; rw: boolean; nocopy: boolean } & NewVolume);

/** normalize() keeps a trailing slash; docker's paths (and Mounts' Destination) have none. */
export const cleanPath = (p: string) => normalize(p).replace(/(.)\/+$/, "$1");

/** How many components a container path has: mounts are made parents first ("/a" before "/a/b"), as docker sorts them. */
export const pathDepth = (p: string) => p.split("/").filter(Boolean).length;

/** Bind propagation modes, for -v's options and --mount's bind-propagation. */
export const PROPAGATIONS = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

// z/Z (SELinux labels) and the consistency modes (Docker Desktop's) change nothing on this host; docker accepts them too.
const MODES = new Set(["ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated", ...PROPAGATIONS]);

/** Docker's volume-name rule (daemon/names.RestrictedNamePattern), which also keeps a name a safe path component. */
export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * docker 23+'s client: a -v host path starting with "." (".", "./data", "../x", ".cache") is a bind
 * of that path under `cwd`, made absolute before the daemon sees it (which refuses a relative one).
 */
export function absoluteVolumeSource(spec: string, cwd: string): string {
  const colon = spec.indexOf(":");
  return colon > 0 && spec.startsWith(".") ? resolve(cwd, spec.slice(0, colon)) + spec.slice(colon) : spec;
}

export function parseVolumeSpec(spec: string): VolumeSpec {
  const invalid = (why: string) => new BunkerError(`invalid volume specification: "${spec}": ${why}`);
  const parts = spec.split(":");
  if (parts.length > 3 || parts.some((p, i) => p === "" && i < 2)) throw invalid("use [/host/path|name:]/container/path[:ro]");
  if (parts.length === 1) {
    if (!isAbsolute(spec)) throw invalid("the container path must be absolute");
    return { kind: "anonymous", destination: cleanPath(spec), mode: "", rw: true, nocopy: false };
  }
  const [source, destination, mode = ""] = parts;
  if (!isAbsolute(destination)) throw invalid("the container path must be absolute");
  const opts = mode ? mode.split(",") : [];
  for (const o of opts) if (!MODES.has(o)) throw invalid(`unknown mode "${o}"`);
  const rw = !opts.includes("ro");
  const propagation = opts.filter((o) => PROPAGATIONS.has(o));
  if (propagation.length > 1) throw invalid("give one propagation mode");
  if (isAbsolute(source)) {
    if (opts.includes("nocopy")) throw invalid("nocopy applies to volumes only");
    return { kind: "bind", source: cleanPath(source), destination: cleanPath(destination), mode, rw, ...(propagation.length ? { propagation: propagation[0] } : {}) };
  }
  if (propagation.length) throw invalid(`propagation mode ${propagation[0]} applies to bind mounts only`);
  // The daemon's rule: a relative host path that no client made absolute (absoluteVolumeSource) has no base directory.
  if (source.startsWith(".")) throw invalid("a host path must be absolute");
  if (!VOLUME_NAME.test(source)) throw invalid(`"${source}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
  return { kind: "volume", name: source, destination: cleanPath(destination), mode, rw, nocopy: opts.includes("nocopy") };
}
