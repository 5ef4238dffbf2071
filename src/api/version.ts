// The API versions this service speaks, and the engine version it answers as.
// A client negotiates from the Api-Version header of /_ping; a path names the
// version it wants (/v1.43/containers/json), and handlers shape their answer by it.
import { BUILD_INFO } from "../build-info.ts";
import { ApiError } from "./errors.ts";

export const API_VERSION = "1.50";
export const MIN_API_VERSION = "1.24";
/** The dockerd release whose API (1.50) this one is: clients read it as the server's version. */
export const DOCKER_VERSION = "28.2.2";

/** Headers on every response, as dockerd's version middleware sets them. */
export const COMMON_HEADERS = {
  Server: `Docker/${DOCKER_VERSION} (linux)`,
  "Api-Version": API_VERSION,
  OSType: "linux",
};

/** A version as comparable numbers: "1.9" < "1.24". */
function parts(v: string): number[] {
  return v.split(".").map(Number);
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Splits "/v1.43/info" into the version and the path it names; an unversioned path gets the newest version. */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = m[1];
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new ApiError(400, `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(version, API_VERSION) > 0) throw new ApiError(400, `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  return { version, path: m[2] ?? "/" };
}

/** bunker's own build, which /version lists beside the engine it stands in for. */
export const BUNKER_COMPONENT = { Name: "bunker", Version: BUILD_INFO.version, Details: { GitCommit: BUILD_INFO.commit, BuildTime: BUILD_INFO.built, BunVersion: Bun.version } };
