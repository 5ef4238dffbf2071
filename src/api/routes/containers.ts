// Container endpoints that answer once: list, inspect, the state changes
// (start, stop, restart, kill, pause, unpause, remove), update, rename, prune,
// top and changes. The streaming ones (attach, wait, logs, stats, export,
// archive) are in container-streams.ts, which finds its container as these do.
import { containerChanges } from "../../engine/container-diff.ts";
import { killContainerAndWait, restartContainer, stopContainer } from "../../engine/container-exit.ts";
import { CONTAINER_FILTER_KEYS, containerFilter } from "../../engine/container-filter.ts";
import { containerInspect, containerSummary, listContainers } from "../../engine/container-json.ts";
import { containerProcesses } from "../../engine/container-top.ts";
import type { ContainerCreateInput } from "../../engine/container-create.ts";
import { createContainer } from "../../engine/create-container.ts";
import { startForClients } from "../../engine/attach-streams.ts";
import { setContainerPaused } from "../../engine/pause-container.ts";
import { PRUNE_FILTER_KEYS, pruneContainers } from "../../engine/prune-containers.ts";
import { removeContainer } from "../../engine/remove-container.ts";
import { renameContainer } from "../../engine/rename-container.ts";
import { refreshState } from "../../engine/start-container.ts";
import { bodyChanges, type UpdateBody, updateContainer } from "../../engine/update-container.ts";
import { BunkerError, NotModifiedError } from "../../lib/errors.ts";
import { ApiError } from "../errors.ts";
import { boolParam, optionalIntParam, strParam } from "../query.ts";
import { Reply, type RequestContext, type Router } from "../router.ts";
import { queryFilters } from "../filters.ts";

/** The container a path's {id} names (id, prefix or name): 404 "No such container: X" when none. */
export function containerId(ctx: RequestContext): string {
  return ctx.engine().containers.resolve(ctx.params.id);
}

const CHANGE_KINDS: Record<string, number> = { C: 0, A: 1, D: 2 };

async function list(ctx: RequestContext) {
  const engine = ctx.engine();
  const filter = containerFilter(engine, queryFilters(ctx.query, CONTAINER_FILTER_KEYS));
  const limit = optionalIntParam(ctx.query, "limit") ?? -1;
  const containers = await listContainers(engine, { all: boolParam(ctx.query, "all"), last: limit > 0 ? limit : -1, filter });
  const size = boolParam(ctx.query, "size");
  const now = Date.now();
  return containers.map((c) => containerSummary(engine, c, size, now));
}

/** POST /containers/create: 201 with the new container's id; 404 "No such image: X" sends the docker CLI to pull and retry. */
async function create(ctx: RequestContext): Promise<Reply> {
  const body = await ctx.json<ContainerCreateInput>();
  if (body === undefined || body === null) throw new ApiError(400, "Config cannot be empty in order to create a container");
  try {
    const record = createContainer(ctx.engine(), body, { name: strParam(ctx.query, "name"), platform: strParam(ctx.query, "platform") });
    return new Reply(201, { Id: record.Id, Warnings: [] });
  } catch (e) {
    // The body's checks throw plain BunkerErrors with dockerd's words: its invalid parameters, a 400.
    if (e instanceof BunkerError && e.constructor === BunkerError) throw new ApiError(400, e.message);
    throw e;
  }
}

function inspect(ctx: RequestContext) {
  const engine = ctx.engine();
  return containerInspect(engine, refreshState(engine, engine.containers.load(containerId(ctx))), boolParam(ctx.query, "size"));
}

async function stop(ctx: RequestContext): Promise<void> {
  const id = containerId(ctx);
  if (!(await stopContainer(ctx.engine(), id, optionalIntParam(ctx.query, "t"), strParam(ctx.query, "signal")))) throw new NotModifiedError(`container ${id} is already stopped`);
}

function remove(ctx: RequestContext): void {
  if (boolParam(ctx.query, "link")) throw new ApiError(400, "bunker has no legacy links to remove: --link is kept with its container and goes with it");
  removeContainer(ctx.engine(), containerId(ctx), { force: boolParam(ctx.query, "force"), volumes: boolParam(ctx.query, "v") });
}

function top(ctx: RequestContext) {
  const psArgs = (ctx.query.get("ps_args") ?? "").split(/\s+/).filter(Boolean);
  const { titles, processes } = containerProcesses(ctx.engine(), containerId(ctx), psArgs);
  return { Titles: titles, Processes: processes };
}

async function update(ctx: RequestContext) {
  const changes = bodyChanges((await ctx.json<UpdateBody>()) ?? {});
  updateContainer(ctx.engine(), containerId(ctx), changes);
  return { Warnings: [] };
}

function rename(ctx: RequestContext): void {
  const name = ctx.query.get("name")?.trim();
  if (!name) throw new ApiError(400, "Neither old nor new names may be empty");
  renameContainer(ctx.engine(), containerId(ctx), name);
}

function prune(ctx: RequestContext) {
  const { ids, reclaimed } = pruneContainers(ctx.engine(), queryFilters(ctx.query, PRUNE_FILTER_KEYS));
  return { ContainersDeleted: ids, SpaceReclaimed: reclaimed };
}

export function containerRoutes(r: Router): void {
  r.post("/containers/create", create)
    .get("/containers/json", list)
    .get("/containers/{id}/json", inspect)
    .post("/containers/{id}/start", async (ctx) => void (await startForClients(ctx.engine(), containerId(ctx))))
    .post("/containers/{id}/stop", stop)
    .post("/containers/{id}/restart", async (ctx) => void (await restartContainer(ctx.engine(), containerId(ctx), optionalIntParam(ctx.query, "t"), strParam(ctx.query, "signal"))))
    .post("/containers/{id}/kill", async (ctx) => void (await killContainerAndWait(ctx.engine(), containerId(ctx), strParam(ctx.query, "signal") ?? "KILL")))
    .post("/containers/{id}/pause", (ctx) => void setContainerPaused(ctx.engine(), containerId(ctx), true))
    .post("/containers/{id}/unpause", (ctx) => void setContainerPaused(ctx.engine(), containerId(ctx), false))
    .delete("/containers/{id}", remove)
    .get("/containers/{id}/top", top)
    .get("/containers/{id}/changes", (ctx) => containerChanges(ctx.engine(), containerId(ctx)).map((c) => ({ Path: c.path, Kind: CHANGE_KINDS[c.kind] })))
    .post("/containers/{id}/update", update)
    .post("/containers/{id}/rename", rename)
    .post("/containers/prune", prune);
}
