// The network a RUN step gets, decided in one place: `host` until bridge
// networking exists (so package mirrors are reachable), `none` or `host` when asked.
import { BunkerError } from "../lib/errors.ts";

const DEFAULT_BUILD_NETWORK = "host";

export function buildNetwork(requested: string | undefined): string {
  const mode = requested === undefined || requested === "default" ? DEFAULT_BUILD_NETWORK : requested;
  if (mode !== "host" && mode !== "none") throw new BunkerError(`network mode "${requested}" is not supported for RUN yet: use host or none`, 1);
  return mode;
}
