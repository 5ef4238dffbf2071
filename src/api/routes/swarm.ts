// Swarm and plugins: bunker is a single host with no swarm, so it answers as a
// dockerd that never joined one (docker-py's teardown calls POST /swarm/leave and expects 503).
import { ApiError, SWARM_MESSAGE } from "../errors.ts";
import type { Router } from "../router.ts";

const NOUNS = ["/swarm", "/nodes", "/services", "/tasks", "/secrets", "/configs", "/plugins"];

export function swarmRoutes(r: Router): void {
  for (const noun of NOUNS)
    r.all(noun, () => {
      throw new ApiError(503, SWARM_MESSAGE);
    });
}
