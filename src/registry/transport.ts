// One HTTP exchange with a registry: the scheme (https, or http for insecure
// registries), per-host TLS, and redirects followed by hand so that the
// Authorization header never reaches another host (blob storage, CDNs).
import { BUILD_INFO } from "../build-info.ts";
import { RegistryError, TransientError } from "./errors.ts";
import { apiHost, isInsecure, tlsFor } from "./hosts.ts";

const MAX_REDIRECTS = 5;
// A plain-HTTP server may never answer a TLS ClientHello; the https probe of an insecure registry must not wait forever.
const PROBE_TIMEOUT_MS = 2000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The scheme that worked for each registry host, kept for the process so the https probe happens once. */
const schemes = new Map<string, "https" | "http">();

/** Errors that another attempt cannot fix: a wrong name, a certificate we do not trust. */
const PERMANENT = /^(ENOTFOUND|EPROTO|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/;

export interface SendOptions {
  headers: Headers;
  body?: Uint8Array;
}

export class Transport {
  /** host[:port] of the API endpoint. */
  readonly host: string;
  private readonly insecure: boolean;

  constructor(domain: string, force = false) {
    this.host = apiHost(domain);
    this.insecure = isInsecure(this.host, force);
  }

  /** The absolute URL of a path on this registry, with the scheme known to work (https until proven otherwise). */
  url(path: string): string {
    return `${schemes.get(this.host) ?? "https"}://${this.host}${path}`;
  }

  /**
   * Sends one request: `target` is a registry path ("/v2/...") or an absolute
   * URL (upload locations, pagination links, token realms). For an insecure
   * registry whose scheme is not known yet, https is tried first and plain
   * http after a connection or TLS error, as docker does.
   */
  async send(method: string, target: string, opts: SendOptions): Promise<Response> {
    if (!target.startsWith("/")) return this.follow(method, target, opts);
    const known = schemes.get(this.host);
    if (known || !this.insecure) {
      const res = await this.follow(method, this.url(target), opts);
      schemes.set(this.host, known ?? "https");
      return res;
    }
    try {
      const res = await this.follow(method, `https://${this.host}${target}`, opts, PROBE_TIMEOUT_MS);
      schemes.set(this.host, "https");
      return res;
    } catch (e) {
      if (!(e instanceof NetworkError || e instanceof UnreachableError)) throw e;
      const res = await this.follow(method, `http://${this.host}${target}`, opts);
      schemes.set(this.host, "http");
      return res;
    }
  }

  /** `headersWithin`: give up (as a network error) if no response headers arrive in time. */
  private async follow(method: string, url: string, opts: SendOptions, headersWithin?: number): Promise<Response> {
    const origin = new URL(url).origin;
    let body = opts.body;
    for (let hop = 0; ; hop++) {
      const target = new URL(url);
      const headers = new Headers(opts.headers);
      headers.set("User-Agent", `bunker/${BUILD_INFO.version}`);
      // Registries must not compress (and Range offsets count stored bytes).
      headers.set("Accept-Encoding", "identity");
      if (target.origin !== origin) headers.delete("Authorization");
      let res: Response;
      // The timer only covers waiting for headers: it is cleared before the body is read.
      const abort = headersWithin ? new AbortController() : undefined;
      const timer = abort && setTimeout(() => abort.abort(new Error("no answer to the TLS handshake")), headersWithin);
      try {
        res = await fetch(url, {
          method,
          headers,
          // (a Uint8Array we own; its buffer is never shared)
          body: body as Uint8Array<ArrayBuffer> | undefined,
          redirect: "manual",
          signal: abort?.signal,
          tls: tlsFor(target.host, target.host === this.host ? this.insecure : isInsecure(target.host)),
        });
      } catch (e) {
        throw networkError(method, url, e);
      } finally {
        clearTimeout(timer);
      }
      const location = res.headers.get("location");
      if (!REDIRECTS.has(res.status) || !location) return res;
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) throw new RegistryError(`${method} ${display(url)}: stopped after ${MAX_REDIRECTS} redirects`, { status: res.status });
      url = new URL(location, url).toString();
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = method === "HEAD" ? "HEAD" : "GET";
        body = undefined;
      }
    }
  }
}

/** A connection that failed or broke: worth another attempt. */
export class NetworkError extends TransientError {}
/** A connection that can only fail the same way again: unknown host, untrusted certificate, no TLS. */
export class UnreachableError extends RegistryError {}

export function networkError(method: string, url: string, e: unknown): RegistryError {
  if (e instanceof RegistryError) return e;
  const code = (e as { code?: unknown })?.code;
  const message = `${method} ${display(url)}: ${reason(e)}`;
  if (typeof code === "string" && PERMANENT.test(code)) return new UnreachableError(message, { cause: e });
  return new NetworkError(message, { cause: e });
}

/** A readable cause for a failed connection. */
export function reason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  switch (err?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ECONNRESET":
      return "connection reset by peer";
    case "ENOTFOUND":
      return "no such host";
    case "ETIMEDOUT":
      return "connection timed out";
    case "EPROTO":
      return "TLS handshake failed: does the server speak TLS on this port? (a plain-http registry must be listed in BUNKER_INSECURE_REGISTRIES or /etc/docker/daemon.json's insecure-registries)";
  }
  const text = String(err?.message ?? e).split("\n")[0];
  if (typeof err?.code === "string" && PERMANENT.test(err.code)) {
    return `${text}: certificate not trusted (add its CA as /etc/docker/certs.d/<host:port>/ca.crt, or list the registry as insecure)`;
  }
  return text;
}

/** A URL for messages: without the query, which may carry upload state or signatures. */
export function display(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
