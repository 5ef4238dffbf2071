// One table of routes, filled by one module per noun (routes/*.ts). A handler is
// thin: it reads its parameters from the context, calls an engine use case and
// returns what to send (an object is JSON with 200; a Reply says more; nothing
// is 204). A handler that streams writes to ctx.res itself; one that takes over
// the connection (attach, exec start) is registered with { hijack: true } and
// calls ctx.hijack().
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Engine } from "../engine/engine.ts";
import { ApiError } from "./errors.ts";

export interface RequestContext {
  req: IncomingMessage;
  /** Undefined on a connection the client upgraded: a hijack route answers through ctx.hijack(). */
  res: ServerResponse | undefined;
  /** The API version the client asked for (the path's /vX.Y), or the newest one. */
  version: string;
  params: Record<string, string>;
  query: URLSearchParams;
  engine(): Engine;
  /** The request's JSON body, or undefined when it has none: 400 if malformed, 413 if over the limit. */
  json<T = unknown>(): Promise<T | undefined>;
  /** Takes over the connection for a raw stream both ways (see hijack.ts). */
  hijack(): Duplex;
  /** Aborted when the client goes away: a streaming handler stops and lets go of what it holds. */
  signal: AbortSignal;
}

/** What to send when a plain object with status 200 will not do. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export type Handler = (ctx: RequestContext) => unknown;

export interface Route {
  method: string;
  handler: Handler;
  hijack: boolean;
  pattern: RegExp;
  names: string[];
}

/** "/containers/{id}/json" → a regex; {name*} also takes slashes (image names: "library/busybox"). */
function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/[.+?^$()[\]\\|]/g, "\\$&").replace(/\{(\w+)(\*?)\}/g, (_, name: string, rest: string) => {
    names.push(name);
    return rest ? "(.+)" : "([^/]+)";
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler, opts: { hijack?: boolean } = {}): this {
    this.routes.push({ method, handler, hijack: opts.hijack ?? false, ...compile(path) });
    return this;
  }

  get(path: string, handler: Handler): this {
    return this.add("GET", path, handler);
  }

  post(path: string, handler: Handler, opts?: { hijack?: boolean }): this {
    return this.add("POST", path, handler, opts);
  }

  put(path: string, handler: Handler): this {
    return this.add("PUT", path, handler);
  }

  delete(path: string, handler: Handler): this {
    return this.add("DELETE", path, handler);
  }

  head(path: string, handler: Handler): this {
    return this.add("HEAD", path, handler);
  }

  /** Every method on PREFIX and below it (the swarm nouns, answered alike). */
  all(prefix: string, handler: Handler): this {
    this.routes.push({ method: "*", handler, hijack: false, pattern: new RegExp(`^${prefix}(/.*)?$`), names: [] });
    return this;
  }

  /** The route for METHOD and PATH with its parameters; 404 "page not found" (dockerd's words) when none. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    for (const route of this.routes) {
      if (route.method !== method && route.method !== "*") continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      try {
        return { route, params: Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
      } catch {
        throw new ApiError(400, `malformed path: ${path}`);
      }
    }
    throw new ApiError(404, "page not found");
  }
}
