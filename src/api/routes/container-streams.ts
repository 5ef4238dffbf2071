// Container endpoints that stream: attach (a hijacked connection), wait (headers
// at once, the status when the container ends), logs and stats (until the end or
// the client leaves), export and archive (tars both ways), and resize.
import type { ServerResponse } from "node:http";
import { attachStreams, resizeContainer } from "../../engine/attach-streams.ts";
import { type WaitCondition, waitContainer } from "../../engine/container-exit.ts";
import { containerLogs } from "../../engine/container-logs.ts";
import { sample, statsResponse } from "../../engine/container-stats.ts";
import { copyFromContainer, copyToContainer, statContainerPath } from "../../engine/copy-files.ts";
import { exportContainer } from "../../engine/export-container.ts";
import { formatNanoFixed } from "../../engine/json-log.ts";
import { logOptions } from "../../engine/log-config.ts";
import { parseLogTime } from "../../engine/log-time.ts";
import { refreshState } from "../../engine/start-container.ts";
import type { TarOutput } from "../../image/tar-writer.ts";
import { BunkerError, NotFoundError } from "../../lib/errors.ts";
import { DEFAULT_DETACH_KEYS, frame, parseDetachKeys, T_STDERR, T_STDOUT } from "../../runtime/attach-stream.ts";
import { ApiError } from "../errors.ts";
import { RAW_STREAM } from "../hijack.ts";
import { boolParam, optionalIntParam, strParam } from "../query.ts";
import { Reply, type RequestContext, type Router } from "../router.ts";
import { containerId } from "./containers.ts";

const MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream";
const STATS_INTERVAL_MS = 1000;
const WAIT_CONDITIONS: WaitCondition[] = ["not-running", "next-exit", "removed"];

/** The answer's headers now: a client waits for them before it goes on (the docker CLI's run starts only after its wait is answered). */
function streamHead(ctx: RequestContext, contentType: string, headers: Record<string, string> = {}): ServerResponse {
  const res = ctx.res as ServerResponse;
  res.writeHead(200, { "Content-Type": contentType, ...headers });
  res.flushHeaders();
  return res;
}

/** A tar written into the answer. */
function responseOutput(res: ServerResponse): TarOutput {
  return { write: (chunk) => void res.write(chunk), commit: () => {}, abort: () => res.destroy() };
}

/** Waits, without a timer left behind, until MS have passed or the client went away. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

async function attach(ctx: RequestContext): Promise<void> {
  const id = containerId(ctx);
  const keys = strParam(ctx.query, "detachKeys");
  const opts = {
    stdin: boolParam(ctx.query, "stdin"),
    stdout: boolParam(ctx.query, "stdout"),
    stderr: boolParam(ctx.query, "stderr"),
    logs: boolParam(ctx.query, "logs"),
    stream: boolParam(ctx.query, "stream"),
    detachKeys: keys === undefined ? DEFAULT_DETACH_KEYS : parseDetachKeys(keys),
  };
  const client = ctx.hijack();
  client.pause(); // what the client sends waits, unread, until the container can take it (attach before start)
  await attachStreams(ctx.engine(), id, client, opts);
}

async function wait(ctx: RequestContext): Promise<void> {
  const condition = (ctx.query.get("condition") || "not-running") as WaitCondition;
  if (!WAIT_CONDITIONS.includes(condition)) throw new ApiError(400, `invalid condition: "${condition}"`);
  const id = containerId(ctx);
  const code = waitContainer(ctx.engine(), id, condition, ctx.signal); // watching from here, before the client hears back
  code.catch(() => {}); // a client gone: nothing to tell
  const res = streamHead(ctx, "application/json");
  res.end(`${JSON.stringify({ StatusCode: await code, Error: null })}\n`);
}

/** dockerd's tail: a number of lines; "all", a negative number or anything else is everything. */
const tailLines = (v: string | null) => (v !== null && /^\+?\d+$/.test(v) ? Number(v) : undefined);

async function logs(ctx: RequestContext): Promise<void> {
  const engine = ctx.engine();
  const id = containerId(ctx);
  const stdout = boolParam(ctx.query, "stdout");
  const stderr = boolParam(ctx.query, "stderr");
  if (!stdout && !stderr) throw new ApiError(400, "Bad parameters: you must choose at least one stream");
  const record = engine.containers.load(id);
  if (logOptions(record).driver === "none") throw new ApiError(501, "configured logging driver does not support reading");
  const since = strParam(ctx.query, "since");
  const until = strParam(ctx.query, "until");
  const opts = {
    follow: boolParam(ctx.query, "follow"),
    tail: tailLines(ctx.query.get("tail")),
    since: since && since !== "0" ? parseLogTime(since, "since") : undefined,
    until: until && until !== "0" ? parseLogTime(until, "until") : undefined,
    signal: ctx.signal,
  };
  const timestamps = boolParam(ctx.query, "timestamps");
  const tty = record.Config.Tty;
  const res = streamHead(ctx, tty ? RAW_STREAM : MULTIPLEXED_STREAM);
  await containerLogs(engine, id, opts, (e) => {
    if ((e.stream === "stderr" && !stderr) || (e.stream !== "stderr" && !stdout)) return;
    const line = Buffer.from(`${timestamps ? `${formatNanoFixed(e.time)} ` : ""}${e.log}`);
    res.write(tty ? line : frame(e.stream === "stderr" ? T_STDERR : T_STDOUT, line));
  });
  res.end();
}

/** One object with stream=false (after an interval, so CPU % has two samples, unless one-shot), else one a second until the client leaves. */
async function stats(ctx: RequestContext): Promise<void> {
  const engine = ctx.engine();
  const id = containerId(ctx);
  const current = () => refreshState(engine, engine.containers.load(id));
  let record = current();
  let before = sample(record);
  let beforeAt = new Date();
  const stream = boolParam(ctx.query, "stream", true);
  if (!stream) {
    if (!boolParam(ctx.query, "one-shot") && record.State.Running) await pause(STATS_INTERVAL_MS, ctx.signal);
    record = current();
    return void streamHead(ctx, "application/json").end(`${JSON.stringify(statsResponse(record, before, sample(record), new Date(), beforeAt))}\n`);
  }
  const res = streamHead(ctx, "application/json");
  while (!ctx.signal.aborted) {
    await pause(STATS_INTERVAL_MS, ctx.signal);
    try {
      record = current();
    } catch (e) {
      if (e instanceof NotFoundError) break; // removed
      throw e;
    }
    const after = sample(record);
    const at = new Date();
    res.write(`${JSON.stringify(statsResponse(record, before, after, at, beforeAt))}\n`);
    before = after;
    beforeAt = at;
  }
  res.end();
}

async function exportFs(ctx: RequestContext): Promise<void> {
  const id = containerId(ctx);
  const res = streamHead(ctx, "application/x-tar");
  await exportContainer(ctx.engine(), id, () => responseOutput(res));
  res.end();
}

function archivePath(ctx: RequestContext): string {
  const path = ctx.query.get("path");
  if (!path) throw new ApiError(400, "bad parameter: 'path' cannot be empty");
  return path;
}

/** X-Docker-Container-Path-Stat: the path's stat, JSON in base64. */
async function pathStatHeader(ctx: RequestContext, path: string): Promise<Record<string, string>> {
  const stat = await statContainerPath(ctx.engine(), ctx.params.id, path);
  return { "X-Docker-Container-Path-Stat": Buffer.from(JSON.stringify(stat)).toString("base64") };
}

// The archive's errors name the container as the client did ("Could not find the file /x in container web").
async function archiveGet(ctx: RequestContext): Promise<void> {
  const path = archivePath(ctx);
  const res = streamHead(ctx, "application/x-tar", await pathStatHeader(ctx, path));
  await copyFromContainer(ctx.engine(), ctx.params.id, path, "-", { archive: false, followLink: false }, () => responseOutput(res));
  res.end();
}

async function archivePut(ctx: RequestContext): Promise<Reply> {
  const path = archivePath(ctx);
  try {
    await copyToContainer(ctx.engine(), "-", ctx.params.id, path, { archive: boolParam(ctx.query, "copyUIDGID"), followLink: false }, ctx.req);
  } catch (e) {
    // A damaged tar is the request's fault.
    if (e instanceof BunkerError && e.message.startsWith("copy failed")) throw new ApiError(400, e.message);
    throw e;
  }
  return new Reply(200, "");
}

async function resize(ctx: RequestContext): Promise<Reply> {
  const rows = optionalIntParam(ctx.query, "h") ?? 0;
  const cols = optionalIntParam(ctx.query, "w") ?? 0;
  await resizeContainer(ctx.engine(), containerId(ctx), rows, cols);
  return new Reply(200, "");
}

export function containerStreamRoutes(r: Router): void {
  r.post("/containers/{id}/attach", attach, { hijack: true })
    .post("/containers/{id}/wait", wait)
    .get("/containers/{id}/logs", logs)
    .get("/containers/{id}/stats", stats)
    .get("/containers/{id}/export", exportFs)
    .head("/containers/{id}/archive", async (ctx) => new Reply(200, undefined, await pathStatHeader(ctx, archivePath(ctx))))
    .get("/containers/{id}/archive", archiveGet)
    .put("/containers/{id}/archive", archivePut)
    .post("/containers/{id}/resize", resize);
}
