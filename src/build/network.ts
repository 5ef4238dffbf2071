// The network a RUN step gets, decided in one place: the default bridge, as
// docker's builder (its NAT reaches package mirrors), or `host`, `none` or a
// user network when asked (`build --network`, `RUN --network`).
import { BunkerError } from "../lib/errors.ts";

const DEFAULT_BUILD_NETWORK = "bridge";

export function buildNetwork(requested: string | undefined): string {
  const mode = requested === undefined || requested === "default" ? DEFAULT_BUILD_NETWORK : requested;
  if (mode.startsWith("container:")) throw new BunkerError(`network mode "${mode}" is not supported for RUN: use bridge, host, none or a network's name`, 1);
  return mode;
}
