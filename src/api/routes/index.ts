// The service's routes: each noun's module adds its own (containers, images, … join here).
import { Router } from "../router.ts";
import { containerStreamRoutes } from "./container-streams.ts";
import { containerRoutes } from "./containers.ts";
import { execRoutes } from "./exec.ts";
import { networkRoutes } from "./networks.ts";
import { swarmRoutes } from "./swarm.ts";
import { systemRoutes } from "./system.ts";
import { volumeRoutes } from "./volumes.ts";

export function apiRouter(): Router {
  const router = new Router();
  for (const add of [systemRoutes, swarmRoutes, containerRoutes, containerStreamRoutes, networkRoutes, volumeRoutes, execRoutes]) add(router);
  return router;
}
