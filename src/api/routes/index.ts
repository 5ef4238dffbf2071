// The service's routes: each noun's module adds its own (containers, images, … join here).
import { Router } from "../router.ts";
import { containerStreamRoutes } from "./container-streams.ts";
import { containerRoutes } from "./containers.ts";
import { execRoutes } from "./exec.ts";
import { networkRoutes } from "./networks.ts";
import { buildRoutes } from "./build.ts";
import { distributionRoutes } from "./distribution.ts";
import { eventRoutes } from "./events.ts";
import { imageRoutes } from "./images.ts";
import { swarmRoutes } from "./swarm.ts";
import { systemRoutes } from "./system.ts";
import { volumeRoutes } from "./volumes.ts";

export function apiRouter(): Router {
  const router = new Router();
  for (const add of [systemRoutes, imageRoutes, buildRoutes, eventRoutes, distributionRoutes, swarmRoutes, containerRoutes, containerStreamRoutes, networkRoutes, volumeRoutes, execRoutes]) add(router);
  return router;
}
