// GET /distribution/{name}/json: the registry's descriptor and platforms for an image name.
import { inspectDistribution } from "../../engine/inspect-distribution.ts";
import { registryAuth } from "../registry-auth.ts";
import type { Router } from "../router.ts";

export function distributionRoutes(r: Router): void {
  r.get("/distribution/{name*}/json", (ctx) => inspectDistribution(ctx.params.name, registryAuth(ctx.req)));
}
