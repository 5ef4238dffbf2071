// POST /build, the classic builder's endpoint: a tar context (maybe gzipped)
// in the body, the build through src/build as `bunker build -` runs it, and
// dockerd's JSON stream out: "Step n/N : …", " ---> id", a RUN's output, then
// {"aux":{"ID":…}}, "Successfully built …" and "Successfully tagged …".
import { build, checkPlatform, RunFailedError } from "../../build/builder.ts";
import { openContext } from "../../build/context.ts";
import { parseEntitlements } from "../../build/entitlements.ts";
import { familiarTag, canonical, parseReference } from "../../image/reference.ts";
import { BunkerError } from "../../lib/errors.ts";
import { ApiError } from "../errors.ts";
import { jsonStream, progressMessages, type Send } from "../json-stream.ts";
import { boolParam, jsonParam } from "../query.ts";
import type { RequestContext, Router } from "../router.ts";

/** The context is unpacked from memory (as `build -` reads stdin): bounded so a client cannot exhaust it. */
const MAX_CONTEXT = 1024 * 1024 * 1024;

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

async function readBody(ctx: RequestContext): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONTEXT) throw new ApiError(413, `the build context is larger than ${MAX_CONTEXT} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** buildargs as dockerd takes them: {"NAME": "value"}; a null value means "from the environment", which a service does not share. */
function buildArgs(q: URLSearchParams): Map<string, string> {
  const args = jsonParam<Record<string, string | null>>(q, "buildargs") ?? {};
  return new Map(Object.entries(args).flatMap(([k, v]): [string, string][] => (typeof v === "string" ? [[k, v]] : [])));
}

async function classicBuild(ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const quiet = boolParam(q, "q");
  const tags = q.getAll("t").filter((t) => t !== "");
  for (const t of tags) {
    try {
      parseReference(t);
    } catch (e) {
      throw new ApiError(400, (e as Error).message);
    }
  }
  const platform = q.get("platform") || undefined;
  checkPlatform(platform);
  const networkmode = q.get("networkmode");
  const labels = jsonParam<Record<string, string>>(q, "labels") ?? {};
  const args = buildArgs(q);
  const context = await openContext({ context: "-", file: q.get("dockerfile") || undefined, input: () => readBody(ctx) });
  try {
    await jsonStream(ctx, async (send: Send) => {
      const say = (text: string) => !quiet && send({ stream: text });
      const engine = ctx.engine();
      // cachefrom names the images whose steps may be reused; when none of them exists, nothing is (as the classic builder).
      const cacheFrom = jsonParam<string[]>(q, "cachefrom") ?? [];
      const noCache = boolParam(q, "nocache") || (cacheFrom.length > 0 && !cacheFrom.some((ref) => engine.images.find(ref)));
      const id = await engine.buildCache.whileInUse(() =>
        build(engine, context, {
          tags,
          buildArgs: args,
          labels,
          noCache,
          pull: boolParam(q, "pull"),
          target: q.get("target") || undefined,
          network: networkmode && networkmode !== "default" ? networkmode : undefined,
          allow: parseEntitlements([]),
          secrets: new Map(),
          log: () => {}, // the BuildKit-style lines; the classic stream is made of the steps below
          // A RUN's stderr in red, as the classic builder marks it.
          output: (fd, data) => say(fd === 2 ? `\x1b[91m${data}\x1b[0m` : data.toString()),
          events: quiet ? progressMessages(() => {}) : progressMessages(send),
          steps: {
            begin: (text, n, total) => say(`Step ${n}/${total} : ${text}\n`),
            end: (stateId, cached) => say(`${cached ? " ---> Using cache\n" : ""} ---> ${short(stateId)}\n`),
          },
        }),
      ).catch((e) => {
        if (e instanceof RunFailedError) throw new BunkerError(`The command '${e.command}' returned a non-zero code: ${e.code}`);
        throw e;
      });
      send({ aux: { ID: id } });
      if (quiet) return void send({ stream: `${id}\n` });
      send({ stream: `Successfully built ${short(id)}\n` });
      for (const t of tags) send({ stream: `Successfully tagged ${familiarTag(canonical(parseReference(t)))}\n` });
    });
  } finally {
    context.close();
  }
}

export function buildRoutes(r: Router): void {
  r.post("/build", classicBuild);
}
