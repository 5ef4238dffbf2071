// One registry request as the client methods need it: authenticated
// (a single challenge round on 401), retried on 5xx and broken connections,
// with the answer read inside the retry loop so a body that breaks half-way
// is fetched again too.
import { Authenticator, authError } from "./auth.ts";
import { type Credentials, credentialsFor } from "./credentials.ts";
import { describeResponse, discard, RegistryError, TransientError } from "./errors.ts";
import { withRetries } from "./retry.ts";
import { display, Transport } from "./transport.ts";

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A registry path ("/v2/...") or an absolute URL (upload locations, Link pagination). */
  target: string;
  /** Token scopes, e.g. ["repository:library/busybox:pull"]. */
  scopes: string[];
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** false where repeating the request could corrupt state (an upload chunk): the caller restarts instead. */
  retry?: boolean;
  /** Send no credentials and answer no challenge: the caller wants the 401 itself. */
  anonymous?: boolean;
}

export interface SessionOptions {
  insecure?: boolean;
  credentials?: Credentials;
}

export class Session {
  readonly transport: Transport;
  readonly auth: Authenticator;

  constructor(
    readonly domain: string,
    opts: SessionOptions = {},
  ) {
    this.transport = new Transport(domain, opts.insecure);
    this.auth = new Authenticator(domain, this.transport, () => opts.credentials ?? credentialsFor(domain));
  }

  /** Sends the request and hands the answer to `consume`; both run again on a transient failure. */
  request<T>(req: RegistryRequest, consume: (res: Response) => Promise<T>): Promise<T> {
    return withRetries(async () => consume(await this.authorized(req)), req.retry !== false);
  }

  /** The answer itself, for callers that stream the body (and resume it) on their own. */
  send(req: RegistryRequest): Promise<Response> {
    return this.request(req, async (res) => res);
  }

  private async authorized(req: RegistryRequest): Promise<Response> {
    if (req.anonymous) return this.exchange(req, undefined);
    const sent = await this.auth.header(req.scopes);
    const first = await this.exchange(req, sent);
    if (!this.challenged(first)) return first;
    const wwwAuthenticate = first.headers.get("www-authenticate");
    await discard(first);
    const header = await this.auth.authenticate(wwwAuthenticate, req.scopes, sent);
    const second = await this.exchange(req, header);
    if (!this.challenged(second)) return second;
    // Authenticated, and still refused: the credentials are wrong or lack access. Never retried.
    const detail = await describeResponse(second);
    if (header.startsWith("Basic ")) throw this.auth.rejected();
    const who = this.auth.credentials() ? "" : " (no credentials found; log in first)";
    throw authError(`${detail.startsWith("unauthorized") ? detail : `unauthorized: ${detail}`} for ${this.domain}${who}`);
  }

  /** A 401 from the registry itself; one from a redirect target (blob storage) is that host's business. */
  private challenged(res: Response): boolean {
    return res.status === 401 && new URL(res.url).host === this.transport.host;
  }

  private async exchange(req: RegistryRequest, authorization: string | undefined): Promise<Response> {
    const url = req.target.startsWith("/") ? this.transport.url(req.target) : req.target;
    const headers = new Headers(req.headers);
    // Credentials are for the registry only, never for a host an upload Location or Link names.
    if (authorization && new URL(url).host === this.transport.host) headers.set("Authorization", authorization);
    const res = await this.transport.send(req.method, req.target, { headers, body: req.body });
    if (res.status >= 500) {
      throw new TransientError(`${req.method} ${display(url)}: ${await describeResponse(res)}`, { status: res.status });
    }
    return res;
  }
}

/**
 * Throws unless the answer has one of the expected statuses. 401 and 403
 * are the user's to fix (log in, get access), so they exit 1.
 */
export async function expectStatus(res: Response, ok: number[], what: string): Promise<void> {
  if (ok.includes(res.status)) return;
  const exitCode = res.status === 401 || res.status === 403 ? 1 : 125;
  const notFound = res.status === 404 ? " not found" : ""; // docker's "manifest for x:y not found: manifest unknown: …"
  throw new RegistryError(`${what}${notFound}: ${await describeResponse(res)}`, { status: res.status, exitCode });
}
