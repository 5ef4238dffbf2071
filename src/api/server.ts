// The HTTP layer: every request gets dockerd's common headers, its path's API
// version checked, its route found, and its handler's answer or error sent as
// dockerd would. Connections come from the listeners (listen.ts), which hand
// each one over; the service counts them to know when it has been idle.
import { createServer, type IncomingMessage, STATUS_CODES, type ServerResponse } from "node:http";
import type { Server as NetServer, Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Engine } from "../engine/engine.ts";
import { ApiError, errorMessage, errorStatus } from "./errors.ts";
import { hijackResponse, hijackUpgraded } from "./hijack.ts";
import { Reply, type RequestContext, type Router } from "./router.ts";
import { COMMON_HEADERS, splitVersion } from "./version.ts";

/** The largest JSON body a handler reads (a container create is a few KiB); larger ones get 413 unread. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

export interface ApiServerOptions {
  router: Router;
  engine(): Engine;
  /** Called once no connection has been open for this long; 0: never. */
  idleMs: number;
  onIdle(): void;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers["content-length"]) > MAX_JSON_BODY) throw new ApiError(413, `request body is larger than ${MAX_JSON_BODY} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new ApiError(413, `request body is larger than ${MAX_JSON_BODY} bytes`);
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks));
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new ApiError(400, `invalid JSON in the request body: ${(e as Error).message}`);
  }
}

/**
 * The body of an upgrade request (exec start's {"Detach","Tty"}): node hands
 * the socket over right after the head, so its Content-Length bytes are taken
 * here from HEAD and the socket; what follows them is the stream's first input.
 */
async function readUpgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(req.headers["content-length"] ?? 0);
  if (!(length > 0)) return { body: Buffer.alloc(0), rest: head };
  if (length > MAX_JSON_BODY) throw new ApiError(413, `request body is larger than ${MAX_JSON_BODY} bytes`);
  let got = head;
  while (got.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const done = (c: Buffer | null) => (socket.off("data", done), socket.off("end", done), socket.pause(), resolve(c));
      socket.on("data", done).on("end", done).resume();
    });
    if (!chunk) throw new ApiError(400, "the request body ended early");
    got = Buffer.concat([got, chunk]);
  }
  return { body: got.subarray(0, length), rest: got.subarray(length) };
}

/** A handler's result as status, headers and bytes: an object is JSON, a Reply says more, nothing is 204. */
function encode(result: unknown): { status: number; headers: Record<string, string>; body?: string | Uint8Array } {
  const reply = result instanceof Reply ? result : result === undefined ? new Reply(204) : new Reply(200, result);
  if (reply.body === undefined || reply.status === 204 || reply.status === 304) return { status: reply.status, headers: reply.headers };
  if (typeof reply.body === "string" || reply.body instanceof Uint8Array) return { status: reply.status, headers: { "Content-Type": "text/plain; charset=utf-8", ...reply.headers }, body: reply.body };
  return { status: reply.status, headers: { "Content-Type": "application/json", ...reply.headers }, body: `${JSON.stringify(reply.body)}\n` };
}

function errorReply(e: unknown): Reply {
  const status = errorStatus(e);
  if (status >= 500 && !(e instanceof ApiError)) {
    process.stderr.write(`bunker: internal error: ${errorMessage(e)}\n`);
    if (process.env.BUNKER_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  }
  return new Reply(status, status === 304 ? undefined : { message: errorMessage(e) });
}

function send(res: ServerResponse, result: unknown): void {
  const { status, headers, body } = encode(result);
  if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
  // A body left unread (413) must not be parsed as the next request: close the connection after answering.
  if (status === 413) headers.Connection = "close";
  res.writeHead(status, headers);
  res.end(body);
}

/** An answer written by hand on an upgraded socket, which has no ServerResponse. */
function sendRaw(socket: Duplex, result: unknown): void {
  const { status, headers, body } = encode(result);
  const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
  const lines = Object.entries({ ...COMMON_HEADERS, ...headers, "Content-Length": String(bytes.length), Connection: "close" }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${lines.join("")}\r\n`), bytes]));
}

export class ApiServer {
  private readonly http = createServer((req, res) => void this.request(req, res));
  /** Connections yet to send a request, requests in flight and hijacked connections: an idle keep-alive connection does not count (as podman's). */
  private busy = 0;
  private readonly fresh = new WeakSet<object>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    this.http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
    this.armIdle();
  }

  /** Serves LISTENER's connections; SECURE: they arrive through TLS ("secureConnection"), counted from their TCP accept. */
  serve(listener: NetServer, secure = false): void {
    listener.on("connection", (socket: Socket) => this.accepted(socket));
    listener.on(secure ? "secureConnection" : "connection", (socket: Socket) => this.http.emit("connection", socket));
  }

  private accepted(socket: Socket): void {
    this.fresh.add(socket);
    this.hold();
    socket.once("close", () => this.fresh.delete(socket) && this.release());
  }

  /** A request begins on SOCKET: a fresh connection's count passes to it. */
  private begin(socket: object | null, done: { once(event: "close", f: () => void): unknown }): void {
    if (!(socket && this.fresh.delete(socket))) this.hold();
    done.once("close", () => this.release());
  }

  private hold(): void {
    this.busy++;
    clearTimeout(this.idleTimer);
  }

  private release(): void {
    this.busy--;
    this.armIdle();
  }

  private armIdle(): void {
    if (this.opts.idleMs > 0 && this.busy === 0) this.idleTimer = setTimeout(() => this.opts.onIdle(), this.opts.idleMs);
  }

  /** The route and a context for REQ; throws the version's or the path's ApiError. */
  private context(req: IncomingMessage, take: () => Duplex, signal: AbortSignal, res?: ServerResponse, body?: Buffer) {
    const url = new URL(req.url ?? "/", "http://bunker");
    const { version, path } = splitVersion(url.pathname);
    const { route, params } = this.opts.router.match(req.method ?? "GET", path);
    const json = () => (body ? Promise.resolve(parseJson(body)) : readJson(req)) as never;
    const ctx: RequestContext = { req, res, version, params, query: url.searchParams, engine: this.opts.engine, json, hijack: take, signal };
    return { route, ctx };
  }

  private async request(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.begin(req.socket, res);
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    try {
      const { route, ctx } = this.context(req, () => hijackResponse(req, res), gone.signal, res);
      const result = await route.handler(ctx);
      if (!res.headersSent) send(res, result);
    } catch (e) {
      if (res.headersSent) res.destroy(); // mid-stream: all the client can be told is that the stream broke
      else send(res, errorReply(e));
    }
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    this.begin(socket, socket);
    const gone = new AbortController();
    socket.on("close", () => gone.abort());
    let taken = false;
    try {
      const { body, rest } = await readUpgradeBody(req, socket, head);
      const { route, ctx } = this.context(req, () => ((taken = true), hijackUpgraded(socket, rest)), gone.signal, undefined, body);
      if (!route.hijack) throw new ApiError(400, `${req.method} ${req.url} does not upgrade the connection`);
      const result = await route.handler(ctx);
      if (!taken) sendRaw(socket, result);
    } catch (e) {
      if (taken) socket.destroy();
      else sendRaw(socket, errorReply(e));
    }
  }
}
