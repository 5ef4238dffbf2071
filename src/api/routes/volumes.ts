// Volumes: list, create, inspect, remove, prune, in the shape `bunker volume
// inspect` prints (the engine's volumeInspect).
import { z } from "zod";
import { createVolume, listVolumes, pruneVolumes, removeVolume, VOLUME_FILTERS, volumeInspect } from "../../engine/volumes.ts";
import { parseBody } from "../body.ts";
import { queryFilters } from "../filters.ts";
import { Reply, type Router } from "../router.ts";
import { compareVersions } from "../version.ts";

const strings = z.record(z.string()).nullish();
const CreateBody = z.object({ Name: z.string().nullish(), Driver: z.string().nullish(), DriverOpts: strings, Labels: strings });

export function volumeRoutes(r: Router): void {
  r.get("/volumes", (ctx) => ({ Volumes: listVolumes(ctx.engine(), queryFilters(ctx.query, VOLUME_FILTERS)).map(volumeInspect), Warnings: [] }))
    .post("/volumes/create", async (ctx) => {
      const body = parseBody(CreateBody, await ctx.json());
      const volume = createVolume(ctx.engine(), { name: body.Name || undefined, driver: body.Driver || undefined, labels: body.Labels ?? {}, options: body.DriverOpts ?? {} });
      return new Reply(201, volumeInspect(volume));
    })
    .get("/volumes/{name}", (ctx) => volumeInspect(ctx.engine().volumes.load(ctx.params.name)))
    .delete("/volumes/{name}", (ctx) => {
      const force = ["1", "true"].includes(ctx.query.get("force") ?? "");
      removeVolume(ctx.engine(), ctx.params.name, force);
    })
    .post("/volumes/prune", (ctx) => {
      const f = queryFilters(ctx.query, ["label", "label!", "all"]);
      // Before API 1.42 a prune took every unused volume; since, only anonymous ones unless all=true.
      const all = compareVersions(ctx.version, "1.42") < 0 || (f.bool("all") ?? false);
      const { names, reclaimed } = pruneVolumes(ctx.engine(), all, (v) => f.labels(v.Labels) && f.notLabels(v.Labels));
      return { VolumesDeleted: names, SpaceReclaimed: reclaimed };
    });
}
