// Image endpoints: list, inspect, history, pull and import (/images/create),
// push, tag, remove, search, prune, save (get), load and /commit. Each calls
// the engine use case the CLI's command calls and answers with the CLI's shapes.
import { parseTransportRef } from "../../copy/reference.ts";
import { commitContainer } from "../../engine/commit-container.ts";
import { imageHistory } from "../../engine/image-history.ts";
import { imageInspect, imageSummaries } from "../../engine/image-json.ts";
import { IMAGE_FILTER_KEYS, imageFilter } from "../../engine/images-filter.ts";
import { importImage } from "../../engine/import-image.ts";
import { loadImages } from "../../engine/load-images.ts";
import { parseLogTime } from "../../engine/log-time.ts";
import { pruneImages } from "../../engine/prune-images.ts";
import { removeImage } from "../../engine/remove-image.ts";
import { saveImages } from "../../engine/save-images.ts";
import { storeUsage } from "../../engine/store-usage.ts";
import { tagImage } from "../../engine/tag-image.ts";
import type { ContainerConfig } from "../../image/config.ts";
import { parsePlatform } from "../../image/manifest.ts";
import type { TarOutput } from "../../image/tar-writer.ts";
import { BunkerError } from "../../lib/errors.ts";
import { queryFilters } from "../filters.ts";
import { ApiError } from "../errors.ts";
import { jsonStream, progressMessages } from "../json-stream.ts";
import { boolParam, intParam } from "../query.ts";
import { registryAuth } from "../registry-auth.ts";
import { Reply, type RequestContext, type Router } from "../router.ts";
import { compareVersions } from "../version.ts";

/** NAME with TAG (a tag, or a digest as docker sends one: sha256:…); no tag means latest (bunker pulls no "all tags"). */
function withTag(name: string, tag: string | null): string {
  if (!tag) return name;
  return tag.includes(":") ? `${name}@${tag}` : `${name}:${tag}`;
}

/** An image name as a client gives it: a registry name, never a transport (oci:DIR would read the service's files). */
function registryName(name: string): string {
  if (parseTransportRef(name).transport !== "name") throw new ApiError(400, `invalid reference format: ${name}`);
  return name;
}

function list(ctx: RequestContext) {
  const engine = ctx.engine();
  const filter = imageFilter(queryFilters(ctx.query, IMAGE_FILTER_KEYS), engine.images);
  const shared = boolParam(ctx.query, "shared-size") ? new Map(storeUsage(engine).images.items.map((u) => [u.image.id, u.shared])) : undefined;
  return imageSummaries(engine, { all: boolParam(ctx.query, "all"), filter, shared, legacy: compareVersions(ctx.version, "1.44") < 0 });
}

function history(ctx: RequestContext) {
  const engine = ctx.engine();
  const image = engine.images.resolve(ctx.params.name);
  const tags = imageInspect(engine, image).RepoTags as string[];
  return imageHistory(engine.images, ctx.params.name).map((r, i) => ({
    Comment: r.comment,
    Created: r.created ? Math.max(0, Math.floor(Date.parse(r.created) / 1000)) : 0,
    CreatedBy: r.createdBy,
    Id: r.id,
    Size: r.size,
    Tags: i === 0 && tags.length > 0 ? tags : null,
  }));
}

/** POST /images/create: a pull (fromImage), or an import (fromSrc: "-" for the body, or a URL). */
async function create(ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const fromImage = q.get("fromImage");
  const fromSrc = q.get("fromSrc");
  if (fromImage) {
    const reference = registryName(withTag(fromImage, q.get("tag")));
    const platform = q.get("platform") || undefined;
    if (platform) checkPlatform(platform);
    const credentials = registryAuth(ctx.req);
    const { pullImage } = await import("../../engine/pull-image.ts");
    return jsonStream(ctx, async (send) => void (await pullImage(ctx.engine(), reference, { events: progressMessages(send), platform, credentials })));
  }
  if (!fromSrc) throw new ApiError(400, "fromImage or fromSrc is required");
  const repo = q.get("repo");
  const reference = repo ? withTag(repo, q.get("tag")) : undefined;
  return jsonStream(ctx, async (send) => {
    const input = fromSrc === "-" ? (ctx.req as AsyncIterable<Uint8Array>) : await download(fromSrc, ctx.signal);
    const id = await importImage(ctx.engine(), { source: fromSrc, input, reference, changes: q.getAll("changes"), message: q.get("message") ?? undefined });
    send({ status: id });
  });
}

function checkPlatform(platform: string): void {
  try {
    parsePlatform(platform);
  } catch (e) {
    throw new ApiError(400, `${(e as Error).message} (unknown operating system or architecture)`);
  }
}

async function download(url: string, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  if (!/^https?:\/\//.test(url)) throw new ApiError(400, `fromSrc must be "-" or an http(s) URL: ${url}`);
  const res = await fetch(url, { signal });
  if (!res.ok || !res.body) throw new BunkerError(`GET ${url}: ${res.status} ${res.statusText}`);
  return res.body as unknown as AsyncIterable<Uint8Array>;
}

async function push(ctx: RequestContext): Promise<void> {
  const name = registryName(withTag(ctx.params.name, ctx.query.get("tag")));
  const credentials = registryAuth(ctx.req);
  const { pushImage } = await import("../../engine/push-image.ts");
  return jsonStream(ctx, (send) => pushImage(ctx.engine(), name, undefined, progressMessages(send), credentials));
}

function tag(ctx: RequestContext): Reply {
  const repo = ctx.query.get("repo");
  if (!repo) throw new ApiError(400, "repository name (repo) is required");
  try {
    tagImage(ctx.engine(), ctx.params.name, withTag(repo, ctx.query.get("tag")));
  } catch (e) {
    if (e instanceof BunkerError && e.constructor === BunkerError) throw new ApiError(400, e.message); // a bad tag: the client's
    throw e;
  }
  return new Reply(201);
}

/** rmi's "Untagged: x" / "Deleted: y" lines (any case) as dockerd's [{"Untagged": x}, {"Deleted": y}]. */
function deleteItems(lines: string[]): object[] {
  return lines.map((line) => {
    const colon = line.indexOf(": ");
    return { [line.startsWith("d") || line.startsWith("D") ? "Deleted" : "Untagged"]: line.slice(colon + 2) };
  });
}

function remove(ctx: RequestContext) {
  return deleteItems(removeImage(ctx.engine(), ctx.params.name, boolParam(ctx.query, "force")));
}

async function search(ctx: RequestContext) {
  const term = ctx.query.get("term");
  if (!term) throw new ApiError(400, "term is required");
  const limit = intParam(ctx.query, "limit", 25);
  if (limit < 1 || limit > 100) throw new ApiError(400, `limit ${limit} is outside the range of [1, 100]`);
  const f = queryFilters(ctx.query, ["stars", "is-automated", "is-official"]);
  const stars = Math.max(0, ...f.values("stars").map(Number));
  const official = f.bool("is-official");
  const { searchImages } = await import("../../engine/search-images.ts");
  return (await searchImages(term, limit))
    .filter((r) => r.stars >= stars && (official === undefined || r.official === official) && f.bool("is-automated") !== true)
    .map((r) => ({ star_count: r.stars, is_official: r.official, name: r.name, is_automated: false, description: r.description }));
}

function prune(ctx: RequestContext) {
  const engine = ctx.engine();
  const f = queryFilters(ctx.query, ["dangling", "label", "until"]);
  const until = f.values("until").map((v) => parseLogTime(v, "until"));
  const only = (image: { id: string; created: string }) => {
    const created = BigInt(Date.parse(image.created)) * 1_000_000n;
    if (!until.every((t) => created < t)) return false;
    return f.labels(engine.images.readConfig(image.id).config?.Labels);
  };
  const { lines, reclaimed } = pruneImages(engine, f.bool("dangling") === false, only);
  return { ImagesDeleted: lines.length > 0 ? deleteItems(lines) : null, SpaceReclaimed: reclaimed };
}

/** GET /images/get and /images/{name}/get: a docker-archive of the images, streamed as it is written. */
async function save(ctx: RequestContext, names: string[]): Promise<void> {
  const res = ctx.res!;
  const output: TarOutput = {
    write(chunk) {
      if (!res.headersSent) res.writeHead(200, { "Content-Type": "application/x-tar" });
      res.write(chunk);
    },
    commit: () => res.end(),
    abort: () => res.headersSent && res.destroy(),
  };
  await saveImages(ctx.engine(), names, "docker-archive", () => output);
}

async function load(ctx: RequestContext): Promise<void> {
  return jsonStream(ctx, async (send) => {
    for (const line of await loadImages(ctx.engine(), ctx.req as AsyncIterable<Uint8Array>)) send({ stream: `${line}\n` });
  }, true);
}

async function commit(ctx: RequestContext): Promise<Reply> {
  const q = ctx.query;
  const container = q.get("container");
  if (!container) throw new ApiError(400, "container is required");
  const config = (await ctx.json<ContainerConfig | null>()) ?? undefined;
  const repo = q.get("repo");
  const id = await commitContainer(ctx.engine(), container, {
    reference: repo ? withTag(repo, q.get("tag")) : undefined,
    author: q.get("author") || undefined,
    message: q.get("comment") || undefined,
    changes: q.getAll("changes").filter((c) => c !== ""),
    pause: boolParam(q, "pause", true),
    config: config && Object.keys(config).length > 0 ? config : undefined,
  });
  return new Reply(201, { Id: id });
}

export function imageRoutes(r: Router): void {
  r.get("/images/json", list)
    .get("/images/search", search)
    .get("/images/get", (ctx) => save(ctx, ctx.query.getAll("names")))
    .post("/images/create", create)
    .post("/images/load", load)
    .post("/images/prune", prune)
    .get("/images/{name*}/json", (ctx) => imageInspect(ctx.engine(), ctx.engine().images.resolve(ctx.params.name)))
    .get("/images/{name*}/history", history)
    .get("/images/{name*}/get", (ctx) => save(ctx, [ctx.params.name]))
    .post("/images/{name*}/push", push)
    .post("/images/{name*}/tag", tag)
    .delete("/images/{name*}", remove)
    .post("/commit", commit);
}
