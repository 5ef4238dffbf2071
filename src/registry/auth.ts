// Registry authentication (distribution's token auth, and Basic):
// a 401 names a Bearer realm, whose token server hands out a token for the
// scopes asked (anonymously, or with Basic credentials / an identity token),
// or asks for Basic credentials. Tokens are cached per registry, user and
// scope, and the challenge is remembered so later requests of the process
// authenticate up front instead of paying a 401 round trip each time.
import { parseChallenges, type Challenge } from "./challenge.ts";
import { type Credentials, IDENTITY_TOKEN_USER } from "./credentials.ts";
import { describeResponse, RegistryError, TransientError } from "./errors.ts";
import { withRetries } from "./retry.ts";
import type { Transport } from "./transport.ts";

/** Tokens without expires_in live 60 s (token spec); refresh a little early. */
const DEFAULT_TTL_S = 60;
const MARGIN_MS = 5_000;

const tokens = new Map<string, { header: string; expires: number }>();
/** Token requests under way: parallel layer downloads that meet the same 401 share one. */
const inflight = new Map<string, Promise<string>>();
const knownChallenges = new Map<string, Challenge>();

/** Exit code 1: the user must log in (again), not report an engine error. */
export function authError(message: string, status = 401): RegistryError {
  return new RegistryError(message, { status, exitCode: 1 });
}

export class Authenticator {
  private creds: Credentials | null | undefined;

  constructor(
    readonly domain: string,
    private readonly transport: Transport,
    private readonly source: () => Credentials | undefined,
  ) {}

  /** Looked up once, and only when a registry asks: a credential helper is a process to spawn. */
  credentials(): Credentials | undefined {
    if (this.creds === undefined) this.creds = this.source() ?? null;
    return this.creds ?? undefined;
  }

  /** What to send before any 401 was seen: Basic, or a cached (or fetchable) token for these scopes. */
  async header(scopes: string[]): Promise<string | undefined> {
    const challenge = knownChallenges.get(this.domain);
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") return this.credentials() ? this.basic() : undefined;
    const cached = tokens.get(this.tokenKey(scopes));
    if (cached && cached.expires > Date.now()) return cached.header;
    return this.token(challenge, scopes);
  }

  /**
   * Answers a 401's WWW-Authenticate: returns the header to retry with, or throws an exit-code-1 error.
   * SENT is what the refused request carried: a token another request fetched since it was sent is
   * used as it is, so parallel requests meeting the same challenge share one token request.
   */
  async authenticate(wwwAuthenticate: string | null, scopes: string[], sent?: string): Promise<string> {
    const all = parseChallenges(wwwAuthenticate);
    const challenge = all.find((c) => c.scheme === "bearer") ?? all.find((c) => c.scheme === "basic");
    if (!challenge) throw authError(`unauthorized: ${this.domain} asked for an authentication scheme bunker does not support (${wwwAuthenticate ?? "none"})`);
    knownChallenges.set(this.domain, challenge);
    if (challenge.scheme === "basic") return this.basic();
    const cached = tokens.get(this.tokenKey(scopes));
    if (cached && cached.expires > Date.now() && cached.header !== sent) return cached.header;
    return this.token(challenge, scopes);
  }

  /** The message for credentials the registry or its token server turned down. */
  rejected(): RegistryError {
    return authError(`unauthorized: incorrect username or password for ${this.domain}`);
  }

  private basic(): string {
    const creds = this.credentials();
    if (!creds) throw authError(`unauthorized: authentication required for ${this.domain} (no credentials found; log in first)`);
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
  }

  private tokenKey(scopes: string[]): string {
    return `${this.domain}\0${this.credentials()?.username ?? ""}\0${[...scopes].sort().join(" ")}`;
  }

  private token(challenge: Challenge, scopes: string[]): Promise<string> {
    const key = this.tokenKey(scopes);
    let pending = inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scopes, key).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(challenge: Challenge, scopes: string[], key: string): Promise<string> {
    const { realm, service } = challenge.params;
    let url: URL;
    try {
      url = new URL(realm ?? "");
    } catch {
      throw new RegistryError(`${this.domain} sent a Bearer challenge without a valid realm: ${JSON.stringify(realm ?? "")}`);
    }
    const creds = this.credentials();
    const headers = new Headers();
    let method = "GET";
    let body: Uint8Array | undefined;
    if (creds?.username === IDENTITY_TOKEN_USER) {
      // An identity token is an OAuth2 refresh token, exchanged by POST (as docker does).
      method = "POST";
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.password, client_id: "bunker" });
      if (service) form.set("service", service);
      if (scopes.length > 0) form.set("scope", scopes.join(" "));
      headers.set("Content-Type", "application/x-www-form-urlencoded");
      body = new TextEncoder().encode(form.toString());
    } else {
      if (service) url.searchParams.set("service", service);
      for (const s of scopes) url.searchParams.append("scope", s);
      if (creds) headers.set("Authorization", `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`);
    }
    const answer = await withRetries(async () => {
      const res = await this.transport.send(method, url.toString(), { headers, body });
      if (res.ok) return (await res.json().catch(() => ({}))) as { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
      const detail = await describeResponse(res);
      if (res.status === 401 || res.status === 403) {
        throw creds ? this.rejected() : authError(`unauthorized: the token server of ${this.domain} refused anonymous access: ${detail}`, res.status);
      }
      const Failure = res.status >= 500 ? TransientError : RegistryError;
      throw new Failure(`getting a token for ${this.domain} from ${url.origin}${url.pathname}: ${detail}`, { status: res.status });
    });
    const token = answer.token || answer.access_token;
    if (!token) throw new RegistryError(`the token server of ${this.domain} (${url.origin}) answered without a token`);
    const issued = answer.issued_at ? Date.parse(answer.issued_at) : Number.NaN;
    const ttlMs = (answer.expires_in && answer.expires_in > 0 ? answer.expires_in : DEFAULT_TTL_S) * 1000;
    const header = `Bearer ${token}`;
    tokens.set(key, { header, expires: (Number.isNaN(issued) ? Date.now() : Math.min(issued, Date.now())) + ttlMs - MARGIN_MS });
    return header;
  }
}
