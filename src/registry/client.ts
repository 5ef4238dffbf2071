// The registry client pull and push are built on: Docker Registry HTTP API v2
// / OCI distribution. Transport (scheme, TLS, redirects), authentication and
// retries live in session.ts and below; this file is the API's vocabulary.
import { BunkerError } from "../lib/errors.ts";
import { checkDigest, isDigest, sha256 } from "../image/digest.ts";
import { authError } from "./auth.ts";
import { MiB, readLimited } from "./body.ts";
import type { Credentials } from "./credentials.ts";
import { describeResponse, RegistryError } from "./errors.ts";
import { expectStatus, Session } from "./session.ts";
import { resumableDownload } from "./download.ts";
import { upload, type UploadResult } from "./upload.ts";

export { RegistryError } from "./errors.ts";

export interface RegistryOptions {
  /** Allow plain http (and unverified https) for this registry, as if it were listed in insecure-registries. */
  insecure?: boolean;
  /** Use these instead of the stored credentials (login checks them before saving). */
  credentials?: Credentials;
}

export const MAX_MANIFEST = 4 * MiB;
/** A page of tags or repositories is small; this only bounds a hostile answer. */
const MAX_LISTING = 32 * MiB;

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export class RegistryClient {
  private readonly session: Session;

  private constructor(
    readonly domain: string,
    readonly repository: string,
    opts: RegistryOptions,
  ) {
    this.session = new Session(domain, opts);
  }

  /** `domain` as parsed by src/image/reference.ts; `repository` like "library/busybox" ("" for ping and catalog). */
  static for(domain: string, repository: string, opts: RegistryOptions = {}): RegistryClient {
    // Both end up in URLs: only what a reference may contain gets through.
    if (!/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(domain)) throw new BunkerError(`invalid registry host "${domain}"`);
    if (repository !== "" && !repository.split("/").every((c) => COMPONENT.test(c))) throw new BunkerError(`invalid repository name "${repository}"`);
    return new RegistryClient(domain, repository, opts);
  }

  /** GET /v2/. With credentials it must end in 200 (login checks them this way); without, a 401 also shows a live registry. */
  async ping(): Promise<void> {
    const creds = this.session.auth.credentials();
    try {
      await this.session.request({ method: "GET", target: "/v2/", scopes: [], anonymous: !creds }, async (res) => {
        if (res.status === 200 || (!creds && res.status === 401)) return res.body?.cancel();
        const exitCode = res.status === 401 || res.status === 403 ? 1 : 125;
        throw new RegistryError(`${this.domain} does not answer as a registry: GET /v2/: ${await describeResponse(res)}`, { status: res.status, exitCode });
      });
    } catch (e) {
      if (creds && e instanceof RegistryError && e.exitCode === 1) throw authError(`login to ${this.domain} failed: incorrect username or password`, e.status);
      throw e;
    }
  }

  async getManifest(reference: string, accept: string[]): Promise<{ mediaType: string; digest: string; bytes: Uint8Array }> {
    const what = `manifest for ${this.name(reference)}`;
    const headers: Record<string, string> = accept.length > 0 ? { Accept: accept.join(", ") } : {};
    const req = { method: "GET" as const, target: this.path("manifests", checkReference(reference)), scopes: this.pull, headers };
    return this.session.request(req, async (res) => {
      await expectStatus(res, [200], what);
      const bytes = await readLimited(res, MAX_MANIFEST, what);
      const contentType = (res.headers.get("content-type") ?? "").split(";")[0].trim();
      const json = parseJsonObject(bytes, contentType, what);
      const digest = sha256(bytes);
      if (isDigest(reference) && digest !== reference) throw new RegistryError(`${what}: the content's digest is ${digest}`);
      // Some registries answer a generic type; the manifest then says what it is.
      const generic = contentType === "" || /^(application\/json|text\/plain|application\/octet-stream)$/i.test(contentType);
      const declared = typeof json.mediaType === "string" ? json.mediaType : "";
      return { mediaType: generic ? declared || contentType : contentType, digest, bytes };
    });
  }

  async blobExists(digest: string): Promise<boolean> {
    return this.exists(digest, this.pull);
  }

  /** A small blob (an image config), read whole, bounded and verified. */
  async getBlob(digest: string, maxBytes = 4 << 20): Promise<Uint8Array> {
    const what = `blob ${checkDigest(digest)} of ${this.name()}`;
    return this.session.request({ method: "GET", target: this.path("blobs", digest), scopes: this.pull }, async (res) => {
      await expectStatus(res, [200], what);
      const bytes = await readLimited(res, maxBytes, what);
      const actual = sha256(bytes);
      if (actual !== digest) throw new RegistryError(`${what}: the content's digest is ${actual}; the registry sent something else`);
      return bytes;
    });
  }

  /** A large blob as it arrives, resumed with Range requests when the connection breaks (download.ts). The caller verifies the digest. */
  streamBlob(digest: string): AsyncIterable<Uint8Array> {
    const what = `blob ${checkDigest(digest)} of ${this.name()}`;
    return resumableDownload(this.session, { method: "GET", target: this.path("blobs", digest), scopes: this.pull }, what);
  }

  async uploadBlob(digest: string, size: number, body: () => AsyncIterable<Uint8Array>, opts: { mountFrom?: string } = {}): Promise<UploadResult> {
    checkDigest(digest);
    const { mountFrom } = opts;
    if (mountFrom !== undefined && !mountFrom.split("/").every((c) => COMPONENT.test(c))) throw new BunkerError(`invalid repository name "${mountFrom}"`);
    const scopes = mountFrom ? [...this.push, `repository:${mountFrom}:pull`] : this.push;
    if (await this.exists(digest, scopes)) return "exists";
    return upload({ session: this.session, repository: this.repository, scopes, what: `blob ${digest} to ${this.name()}` }, digest, size, body, mountFrom);
  }

  async putManifest(reference: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const digest = sha256(bytes);
    const what = `manifest ${this.name(reference)}`;
    if (isDigest(reference) && reference !== digest) throw new BunkerError(`${what}: the content's digest is ${digest}`);
    const req = { method: "PUT" as const, target: this.path("manifests", checkReference(reference)), scopes: this.push, headers: { "Content-Type": mediaType }, body: bytes };
    await this.session.request(req, async (res) => {
      await expectStatus(res, [200, 201, 202, 204], `pushing ${what}`);
      await res.body?.cancel();
    });
    return digest;
  }

  async tags(): Promise<string[]> {
    return this.listing(this.path("tags", "list"), this.pull, "tags", `tags of ${this.name()}`);
  }

  async catalog(): Promise<string[]> {
    return this.listing("/v2/_catalog", ["registry:catalog:*"], "repositories", `catalog of ${this.domain}`);
  }

  /** A paginated list: each answer may name the next page in a Link header (rel="next"). */
  private async listing(first: string, scopes: string[], field: "tags" | "repositories", what: string): Promise<string[]> {
    const out: string[] = [];
    const seen = new Set<string>();
    let target: string | undefined = first;
    while (target && !seen.has(target)) {
      seen.add(target);
      const page: { items: string[]; next?: string } = await this.session.request({ method: "GET", target, scopes }, async (res) => {
        await expectStatus(res, [200], what);
        const json = parseJsonObject(await readLimited(res, MAX_LISTING, what), res.headers.get("content-type") ?? "", what);
        const items = Array.isArray(json[field]) ? json[field].filter((s): s is string => typeof s === "string") : [];
        return { items, next: nextLink(res.headers.get("link"), res.url) };
      });
      out.push(...page.items);
      target = page.next;
    }
    return out;
  }

  private exists(digest: string, scopes: string[]): Promise<boolean> {
    const what = `blob ${checkDigest(digest)} of ${this.name()}`;
    return this.session.request({ method: "HEAD", target: this.path("blobs", digest), scopes }, async (res) => {
      await res.body?.cancel().catch(() => {});
      if (res.status === 404) return false;
      await expectStatus(res, [200], what);
      return true;
    });
  }

  private get pull(): string[] {
    return [`repository:${this.repo()}:pull`];
  }

  private get push(): string[] {
    return [`repository:${this.repo()}:pull,push`];
  }

  private repo(): string {
    if (!this.repository) throw new BunkerError("no repository given to the registry client");
    return this.repository;
  }

  private path(kind: "manifests" | "blobs" | "tags", ref: string): string {
    return `/v2/${this.repo()}/${kind}/${ref}`;
  }

  /** host/repo[:tag|@digest] for messages. */
  private name(reference?: string): string {
    const base = `${this.domain}/${this.repository}`;
    if (!reference) return base;
    return `${base}${isDigest(reference) ? "@" : ":"}${reference}`;
  }
}

function checkReference(reference: string): string {
  if (isDigest(reference) || TAG.test(reference)) return reference;
  throw new BunkerError(`invalid tag or digest "${reference}"`);
}

/** A JSON object, or a one-line error that says what came instead (an HTML page, truncated JSON). */
function parseJsonObject(bytes: Uint8Array, contentType: string, what: string): Record<string, unknown> {
  const text = new TextDecoder().decode(bytes);
  try {
    const json = JSON.parse(text);
    if (json && typeof json === "object" && !Array.isArray(json)) return json;
  } catch {
    // described below
  }
  const html = /html/i.test(contentType) || /^\s*<(!doctype|html|head|body)/i.test(text);
  throw new RegistryError(
    html
      ? `${what}: the registry answered with an HTML page, not JSON; is this a registry (or a proxy's error page)?`
      : `${what}: the registry's answer is not a JSON object${contentType ? ` (Content-Type ${contentType})` : ""}`,
  );
}

/** The rel="next" target of a Link header, resolved against the page's URL. */
function nextLink(link: string | null, base: string): string | undefined {
  for (const part of (link ?? "").split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2])) return new URL(m[1], base).toString();
  }
  return undefined;
}
