// Build entitlements (`build --allow`), as buildx has them: a RUN step leaves
// its sandbox only where whoever runs the build allowed it, never because the
// Dockerfile asked. network.host is the one bunker has; security.insecure
// (privileged RUN steps) is not supported, and is refused rather than ignored.
import { BunkerError } from "../lib/errors.ts";

export type Entitlements = ReadonlySet<"network.host">;

/** The values of --allow (repeated, or comma-separated). */
export function parseEntitlements(values: string[]): Entitlements {
  const allowed = new Set<"network.host">();
  for (const value of values.flatMap((v) => v.split(",")).filter(Boolean)) {
    if (value === "network.host") allowed.add(value);
    else if (value === "security.insecure") throw new BunkerError("--allow security.insecure is not supported: bunker never runs RUN steps privileged");
    else throw new BunkerError(`invalid entitlement "${value}": bunker knows network.host`);
  }
  return allowed;
}

/** RUN --network and --security, checked against what the build allows (BuildKit refuses them at solve time: exit 1). */
export function checkRunFlags(flags: Record<string, string[]>, allowed: Entitlements): void {
  if (flags.network?.[0] === "host" && !allowed.has("network.host"))
    throw new BunkerError("failed to solve: network.host is not allowed: RUN --network=host needs --allow network.host on the build command", 1);
  const security = flags.security?.[0];
  if (security !== undefined && security !== "sandbox") throw new BunkerError(`RUN --security=${security} is not supported: bunker runs RUN steps sandboxed only`, 1);
}
