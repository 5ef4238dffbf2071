// Exec: create, start (the hijacked stream), resize, inspect. The instance
// lives in the engine's run dir between requests (engine/exec-instances.ts);
// start relays the process's stdio over the connection: raw when the start
// asks for a TTY, dockerd's 8-byte multiplexed frames otherwise.
import type { Duplex } from "node:stream";
import { z } from "zod";
import { beginExec, createExec, inspectExec, resizeExec } from "../../engine/exec-instances.ts";
import { BunkerError } from "../../lib/errors.ts";
import { DEFAULT_DETACH_KEYS, detachMatcher, parseDetachKeys } from "../../runtime/attach-stream.ts";
import type { StdioEnds } from "../../runtime/stdio-pipes.ts";
import { parseBody } from "../body.ts";
import { ApiError } from "../errors.ts";
import { Reply, type RequestContext, type Router } from "../router.ts";
import { multiplexed } from "../stdcopy.ts";

const size = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).nullish();

const CreateBody = z.object({
  AttachStdin: z.boolean().nullish(),
  AttachStdout: z.boolean().nullish(),
  AttachStderr: z.boolean().nullish(),
  DetachKeys: z.string().nullish(),
  Tty: z.boolean().nullish(),
  Env: z.array(z.string()).nullish(),
  Cmd: z.array(z.string()).nullish(),
  Privileged: z.boolean().nullish(),
  User: z.string().nullish(),
  WorkingDir: z.string().nullish(),
  ConsoleSize: size,
});

const StartBody = z.object({ Detach: z.boolean().nullish(), Tty: z.boolean().nullish(), ConsoleSize: size });

async function create(ctx: RequestContext) {
  const body = parseBody(CreateBody, await ctx.json());
  if (!body.Cmd?.length) throw new ApiError(400, "No exec command specified");
  const detachKeys = body.DetachKeys ?? "";
  parseDetachKeys(detachKeys); // refused now (400), not at start
  const id = createExec(ctx.engine(), ctx.params.id, {
    options: {
      command: body.Cmd,
      env: body.Env ?? [],
      envFiles: [],
      workdir: body.WorkingDir || undefined,
      user: body.User || undefined,
      privileged: body.Privileged ?? false,
      tty: body.Tty ?? false,
    },
    attachStdin: body.AttachStdin ?? false,
    attachStdout: body.AttachStdout ?? false,
    attachStderr: body.AttachStderr ?? false,
    detachKeys,
    consoleSize: body.ConsoleSize ?? null,
  });
  return new Reply(201, { Id: id });
}

/** Writes to the connection, waiting while it is full; nothing once it has gone (the process still runs to its end). */
function writer(conn: Duplex): (chunk: Uint8Array) => Promise<void> {
  return async (chunk) => {
    if (conn.destroyed || conn.writableEnded) return;
    if (!conn.write(chunk)) await new Promise((resolve) => (conn.once("drain", resolve), conn.once("close", resolve)));
  };
}

/** The connection's input up to its half-close (EOF for the process), less the detach keys, which end the connection instead. */
function connectionInput(conn: Duplex, keys: number[]): ReadableStream<Uint8Array> {
  const detach = detachMatcher(keys);
  let done = false;
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        const finish = () => {
          if (!done) (done = true), c.close();
        };
        conn.on("data", (chunk: Buffer) => {
          if (done) return;
          const { pass, detached } = detach(chunk);
          if (pass.length) c.enqueue(pass);
          if (detached) {
            finish();
            conn.end(); // the exec goes on without us, as docker's detach
          } else if ((c.desiredSize ?? 1) <= 0) conn.pause();
        });
        conn.on("end", finish);
        conn.on("close", finish);
      },
      pull: () => void conn.resume(),
      cancel: () => void conn.pause(),
    },
    { highWaterMark: 4 },
  );
}

async function start(ctx: RequestContext) {
  const body = parseBody(StartBody, await ctx.json());
  const exec = beginExec(ctx.engine(), ctx.params.id);
  if (body.Detach) {
    void exec.run(null).catch(() => {}); // its exit is recorded on the instance
    return new Reply(200, "");
  }
  const conn = ctx.hijack();
  const write = writer(conn);
  const { config } = exec;
  const shown = (fd: 1 | 2) => (fd === 1 ? config.attachStdout : config.attachStderr);
  const ends: StdioEnds = {
    input: () => connectionInput(conn, config.detachKeys ? parseDetachKeys(config.detachKeys) : DEFAULT_DETACH_KEYS),
    output: (fd, chunk) => (shown(fd) ? write(body.Tty ? chunk : multiplexed(fd, chunk)) : undefined),
  };
  try {
    await exec.run(ends, body.ConsoleSize);
  } catch (e) {
    // dockerd's way: the process never started, and the stream says why (the exit code is on the instance).
    if (!(e instanceof BunkerError)) throw e;
    const text = Buffer.from(`${e.message}\r\n`);
    await write(body.Tty ? text : multiplexed(1, text));
  }
  conn.end();
}

/** A query parameter that must be a whole number (h, w). */
function dimension(ctx: RequestContext, name: string): number {
  const v = Number(ctx.query.get(name));
  if (!Number.isInteger(v) || v < 0 || v > 65535) throw new ApiError(400, `invalid ${name}: give the terminal's ${name === "h" ? "height" : "width"} as a whole number`);
  return v;
}

export function execRoutes(r: Router): void {
  r.post("/containers/{id}/exec", create)
    .post("/exec/{id}/start", start, { hijack: true })
    .post("/exec/{id}/resize", (ctx) => {
      resizeExec(ctx.engine(), ctx.params.id, dimension(ctx, "h"), dimension(ctx, "w"));
      return new Reply(200);
    })
    .get("/exec/{id}/json", (ctx) => inspectExec(ctx.engine(), ctx.params.id));
}
