// The service's routes: each noun's module adds its own (containers, images, … join here).
import { Router } from "../router.ts";
import { containerStreamRoutes } from "./container-streams.ts";
import { containerRoutes } from "./containers.ts";
import { swarmRoutes } from "./swarm.ts";
import { systemRoutes } from "./system.ts";

export function apiRouter(): Router {
  const router = new Router();
  for (const add of [systemRoutes, swarmRoutes, containerRoutes, containerStreamRoutes]) add(router);
  return router;
}
