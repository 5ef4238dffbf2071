// An in-process registry (Bun.serve on 127.0.0.1, port 0) speaking enough of
// the distribution API for the client's tests: manifests, blobs with Range,
// uploads (monolithic, chunked, mount), tags and catalog with Link paging, and
// none / Basic / Bearer auth with its own token endpoint. `hook` lets a test
// answer a request its own way (fail, cut, redirect) before the defaults.
import type { Server } from "bun";

/** Bytes on an ArrayBuffer (what Response accepts as a body). */
export type Bytes = Uint8Array<ArrayBuffer>;

export type AuthMode = "none" | "basic" | "bearer";

export interface Logged {
  method: string;
  path: string; // path and query
  authorization: string | null;
  range: string | null;
  contentRange: string | null;
  contentType: string | null;
  bodyLength: number;
}

export interface FakeOptions {
  auth?: AuthMode;
  users?: Record<string, string>;
  /** Bearer: may anonymous tokens pull? */
  anonymousPull?: boolean;
  /** Answer tokens as {"access_token"} instead of {"token"}. */
  accessTokenField?: boolean;
  /** Tags and catalog page size (Link pagination). */
  pageSize?: number;
  hook?: (req: Request, url: URL, body: Bytes) => Response | undefined | Promise<Response | undefined>;
}

export const sha = (b: Uint8Array | string) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;

const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json", ...headers } });
const regError = (status: number, code: string, message: string, headers: Record<string, string> = {}) => json(status, { errors: [{ code, message }] }, headers);

export class FakeRegistry {
  readonly server: Server<undefined>;
  readonly log: Logged[] = [];
  readonly tokenRequests: { url: URL; authorization: string | null; method: string; form?: URLSearchParams }[] = [];
  /** repo -> digest -> bytes */
  readonly blobs = new Map<string, Map<string, Bytes>>();
  /** `${repo}@${tag or digest}` -> manifest */
  readonly manifests = new Map<string, { type: string; bytes: Bytes }>();
  readonly uploads = new Map<string, { repo: string; data: Uint8Array[]; size: number }>();
  private n = 0;

  constructor(readonly opts: FakeOptions = {}) {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => this.handle(req) });
  }

  get domain(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  stop(): void {
    this.server.stop(true);
  }

  addBlob(repo: string, bytes: Bytes | string): string {
    const b: Bytes = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const digest = sha(b);
    if (!this.blobs.has(repo)) this.blobs.set(repo, new Map());
    this.blobs.get(repo)?.set(digest, b);
    return digest;
  }

  addManifest(repo: string, tag: string, type: string, value: unknown): { digest: string; bytes: Bytes } {
    const bytes = new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));
    const digest = sha(bytes);
    this.manifests.set(`${repo}@${tag}`, { type, bytes });
    this.manifests.set(`${repo}@${digest}`, { type, bytes });
    return { digest, bytes };
  }

  requests(filter: (l: Logged) => boolean = () => true): Logged[] {
    return this.log.filter(filter);
  }

  private async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    if (url.pathname === "/token") return this.token(req, url, body);
    this.log.push({
      method: req.method,
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
      range: req.headers.get("range"),
      contentRange: req.headers.get("content-range"),
      contentType: req.headers.get("content-type"),
      bodyLength: body.length,
    });
    const hooked = await this.opts.hook?.(req, url, body);
    if (hooked) return hooked;

    const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
    const repo = m?.[1] ?? "";
    const write = ["POST", "PUT", "PATCH", "DELETE"].includes(req.method);
    const scopes = url.pathname === "/v2/_catalog" ? ["registry:catalog:*"] : m ? [`repository:${repo}:${write ? "pull,push" : "pull"}`] : [];
    const denied = this.authorize(req, repo, write, url.pathname === "/v2/", scopes);
    if (denied) return denied;

    if (url.pathname === "/v2/") return json(200, {});
    if (url.pathname === "/v2/_catalog") {
      const repos = [...new Set([...this.blobs.keys(), ...[...this.manifests.keys()].map((k) => k.split("@")[0])])].sort();
      return this.page(url, repos, "repositories", {});
    }
    if (!m) return regError(404, "NOT_FOUND", "not found");
    const [, , kind, rest] = m;
    if (kind === "manifests") return this.manifest(req, repo, rest, body);
    if (kind === "tags") {
      const tags = [...this.manifests.keys()].filter((k) => k.startsWith(`${repo}@`) && !k.includes("@sha256:")).map((k) => k.slice(repo.length + 1)).sort();
      return this.page(url, tags, "tags", { name: repo });
    }
    if (rest.startsWith("uploads/")) return this.upload(req, url, repo, rest.slice("uploads/".length), body);
    return this.blob(req, repo, rest);
  }

  private challenge(scopes: string[]): Record<string, string> {
    if (this.opts.auth === "basic") return { "WWW-Authenticate": 'Basic realm="fake"' };
    const scope = scopes.length ? `,scope="${scopes.join(" ")}"` : "";
    return { "WWW-Authenticate": `Bearer realm="http://${this.domain}/token",service="fake registry"${scope}` };
  }

  /** undefined when allowed, else the 401/403 answer. */
  private authorize(req: Request, repo: string, write: boolean, root: boolean, scopes: string[]): Response | undefined {
    const mode = this.opts.auth ?? "none";
    if (mode === "none") return undefined;
    const header = req.headers.get("authorization") ?? "";
    const unauthorized = () => regError(401, "UNAUTHORIZED", "authentication required", this.challenge(scopes));
    if (mode === "basic") return this.checkBasic(header) ? undefined : unauthorized();
    if (!header.startsWith("Bearer ")) return unauthorized();
    let grant: { user?: string; scopes: string[] };
    try {
      grant = JSON.parse(Buffer.from(header.slice(7), "base64").toString());
    } catch {
      return unauthorized();
    }
    if (root) return undefined;
    const needed = write ? "push" : "pull";
    const ok = grant.scopes.some((s) => {
      const [type, name, actions] = s.split(":");
      if (type === "registry") return name === "catalog" && repo === "";
      return name === repo && actions.split(",").includes(needed);
    });
    if (ok) return undefined;
    return grant.user ? regError(403, "DENIED", "requested access to the resource is denied") : unauthorized();
  }

  private checkBasic(header: string): string | undefined {
    if (!header.startsWith("Basic ")) return undefined;
    const [user, ...rest] = Buffer.from(header.slice(6), "base64").toString().split(":");
    return this.opts.users?.[user] === rest.join(":") ? user : undefined;
  }

  private token(req: Request, url: URL, body: Bytes): Response {
    const form = req.method === "POST" ? new URLSearchParams(new TextDecoder().decode(body)) : undefined;
    this.tokenRequests.push({ url, authorization: req.headers.get("authorization"), method: req.method, form });
    let user: string | undefined;
    if (form) {
      if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== "good-refresh-token") return json(401, { error: "invalid refresh token" });
      user = "token-user";
    } else if (req.headers.get("authorization")) {
      user = this.checkBasic(req.headers.get("authorization") ?? "");
      if (!user) return json(401, { details: "incorrect username or password" });
    }
    const requested = form ? (form.get("scope") ?? "").split(" ").filter(Boolean) : url.searchParams.getAll("scope");
    // Anonymous callers get pull only (and only if allowed), as a token server grants a subset.
    const scopes = user ? requested : this.opts.anonymousPull ? requested.map((s) => s.replace(/:pull,push$/, ":pull")) : [];
    const token = Buffer.from(JSON.stringify({ user, scopes, n: this.n++ })).toString("base64");
    return json(200, this.opts.accessTokenField ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 });
  }

  private page(url: URL, items: string[], field: string, extra: Record<string, unknown>): Response {
    const size = this.opts.pageSize ?? 1000;
    const last = url.searchParams.get("last");
    const start = last ? items.indexOf(last) + 1 : 0;
    const slice = items.slice(start, start + size);
    const headers: Record<string, string> = {};
    if (start + size < items.length) headers.Link = `<${url.pathname}?n=${size}&last=${encodeURIComponent(slice[slice.length - 1])}>; rel="next"`;
    return json(200, { ...extra, [field]: slice }, headers);
  }

  private manifest(req: Request, repo: string, ref: string, body: Bytes): Response {
    if (req.method === "PUT") {
      const type = req.headers.get("content-type") ?? "";
      this.manifests.set(`${repo}@${ref}`, { type, bytes: body });
      this.manifests.set(`${repo}@${sha(body)}`, { type, bytes: body });
      return new Response(null, { status: 201, headers: { "Docker-Content-Digest": sha(body), Location: `/v2/${repo}/manifests/${sha(body)}` } });
    }
    const found = this.manifests.get(`${repo}@${ref}`);
    if (!found) return regError(404, "MANIFEST_UNKNOWN", "manifest unknown");
    return new Response(req.method === "HEAD" ? null : found.bytes, {
      headers: { "Content-Type": found.type, "Docker-Content-Digest": sha(found.bytes), "Content-Length": String(found.bytes.length) },
    });
  }

  private blob(req: Request, repo: string, digest: string): Response {
    const bytes = this.blobs.get(repo)?.get(digest);
    if (!bytes) return regError(404, "BLOB_UNKNOWN", "blob unknown to registry");
    const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
    if (range) {
      const start = Number(range[1]);
      return new Response(bytes.subarray(start), {
        status: 206,
        headers: { "Content-Range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`, "Content-Type": "application/octet-stream" },
      });
    }
    return new Response(req.method === "HEAD" ? null : bytes, { headers: { "Content-Length": String(bytes.length), "Docker-Content-Digest": digest } });
  }

  private upload(req: Request, url: URL, repo: string, id: string, body: Bytes): Response {
    if (req.method === "POST") {
      const mount = url.searchParams.get("mount");
      const from = url.searchParams.get("from");
      if (mount && from) {
        const bytes = this.blobs.get(from)?.get(mount);
        if (bytes) {
          this.addBlob(repo, bytes);
          return new Response(null, { status: 201, headers: { Location: `/v2/${repo}/blobs/${mount}`, "Docker-Content-Digest": mount } });
        }
      }
      const uuid = `u${this.n++}`;
      this.uploads.set(uuid, { repo, data: [], size: 0 });
      return new Response(null, { status: 202, headers: { Location: `/v2/${repo}/blobs/uploads/${uuid}?_state=s${this.n}`, Range: "0-0", "Docker-Upload-UUID": uuid } });
    }
    const up = this.uploads.get(id);
    if (!up || up.repo !== repo) return regError(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
    if (!url.searchParams.get("_state")) return regError(400, "BLOB_UPLOAD_INVALID", "missing _state");
    if (req.method === "PATCH") {
      const cr = /^(\d+)-(\d+)$/.exec(req.headers.get("content-range") ?? "");
      if (cr && (Number(cr[1]) !== up.size || Number(cr[2]) !== up.size + body.length - 1)) return new Response(null, { status: 416 });
      up.data.push(body);
      up.size += body.length;
      return new Response(null, { status: 202, headers: { Location: `/v2/${repo}/blobs/uploads/${id}?_state=s${this.n++}`, Range: `0-${up.size - 1}` } });
    }
    if (req.method === "PUT") {
      up.data.push(body);
      const all = new Uint8Array(Buffer.concat(up.data));
      const digest = url.searchParams.get("digest");
      if (digest !== sha(all)) return regError(400, "DIGEST_INVALID", "provided digest did not match uploaded content");
      this.uploads.delete(id);
      this.addBlob(repo, all);
      return new Response(null, { status: 201, headers: { Location: `/v2/${repo}/blobs/${digest}`, "Docker-Content-Digest": digest } });
    }
    return regError(405, "UNSUPPORTED", "unsupported");
  }
}

/** A body that sends `bytes` and then breaks the connection (the client sees ECONNRESET). */
export function cutAfter(bytes: Bytes, headers: Record<string, string> = {}, status = 200): Response {
  let sent = false;
  const stream = new ReadableStream({
    async pull(c) {
      if (!sent) {
        sent = true;
        c.enqueue(bytes);
        return;
      }
      await Bun.sleep(5);
      c.error(); // (an error without a value: Bun then logs nothing)
    },
  });
  return new Response(stream, { status, headers });
}
