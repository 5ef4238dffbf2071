import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RegistryClient, RegistryError } from "../../../src/registry/client.ts";
import { type Bytes, cutAfter, FakeRegistry, type FakeOptions, sha } from "./fake-registry.ts";
import { isolateRegistryEnv } from "./env.ts";

const env = isolateRegistryEnv();
const OCI = "application/vnd.oci.image.manifest.v1+json";
const servers: FakeRegistry[] = [];

function fake(opts: FakeOptions = {}): FakeRegistry {
  const f = new FakeRegistry(opts);
  servers.push(f);
  return f;
}

function storeLogin(domain: string, user: string, password: string): void {
  mkdirSync(env.dockerConfig, { recursive: true });
  writeFileSync(join(env.dockerConfig, "config.json"), JSON.stringify({ auths: { [domain]: { auth: Buffer.from(`${user}:${password}`).toString("base64") } } }));
}

async function failure(p: Promise<unknown>): Promise<RegistryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).not.toContain("\n");
    return e as RegistryError;
  }
  throw new Error("expected a RegistryError");
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

function random(n: number): Bytes {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
}

async function* pieces(b: Uint8Array, size = 1 << 20): AsyncIterable<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
  rmSync(join(env.dockerConfig, "config.json"), { force: true });
});

describe("authentication", () => {
  test("anonymous bearer token: realm, service and scope; the token is cached per scope", async () => {
    const reg = fake({ auth: "bearer", anonymousPull: true });
    const m = reg.addManifest("library/busybox", "latest", OCI, { schemaVersion: 2, mediaType: OCI, layers: [] });
    const client = RegistryClient.for(reg.domain, "library/busybox");
    const got = await client.getManifest("latest", [OCI]);
    expect(got).toEqual({ mediaType: OCI, digest: m.digest, bytes: m.bytes });
    expect(reg.tokenRequests).toHaveLength(1);
    const t = reg.tokenRequests[0];
    expect(t.authorization).toBeNull();
    expect(t.url.searchParams.get("service")).toBe("fake registry");
    expect(t.url.searchParams.getAll("scope")).toEqual(["repository:library/busybox:pull"]);
    // The second request authenticates up front with the cached token: no 401, no new token.
    await client.getManifest(m.digest, [OCI]);
    expect(reg.tokenRequests).toHaveLength(1);
    expect(reg.requests((l) => l.path.includes("manifests")).map((l) => !!l.authorization)).toEqual([false, true, true]);
  });

  test("bearer token with stored credentials, access_token answers, push scope", async () => {
    const reg = fake({ auth: "bearer", users: { alice: "s3cret" }, accessTokenField: true });
    storeLogin(reg.domain, "alice", "s3cret");
    const client = RegistryClient.for(reg.domain, "team/app");
    const bytes = new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: OCI }));
    expect(await client.putManifest("v1", OCI, bytes)).toBe(sha(bytes));
    expect(reg.manifests.get("team/app@v1")?.type).toBe(OCI);
    const t = reg.tokenRequests[0];
    expect(t.authorization).toBe(`Basic ${Buffer.from("alice:s3cret").toString("base64")}`);
    expect(t.url.searchParams.getAll("scope")).toEqual(["repository:team/app:pull,push"]);
    expect((await client.getManifest("v1", [OCI])).digest).toBe(sha(bytes));
  });

  test("identity token: exchanged by POST as an OAuth2 refresh token", async () => {
    const reg = fake({ auth: "bearer" });
    mkdirSync(env.dockerConfig, { recursive: true });
    writeFileSync(join(env.dockerConfig, "config.json"), JSON.stringify({ auths: { [reg.domain]: { identitytoken: "good-refresh-token" } } }));
    reg.addManifest("a/b", "t", OCI, { schemaVersion: 2 });
    await RegistryClient.for(reg.domain, "a/b").getManifest("t", [OCI]);
    expect(reg.tokenRequests[0].method).toBe("POST");
    expect(reg.tokenRequests[0].form?.get("scope")).toBe("repository:a/b:pull");
  });

  test("basic auth sends the stored credentials", async () => {
    const reg = fake({ auth: "basic", users: { bob: "pw" } });
    storeLogin(reg.domain, "bob", "pw");
    reg.addManifest("x", "latest", OCI, { schemaVersion: 2 });
    await RegistryClient.for(reg.domain, "x").getManifest("latest", [OCI]);
    expect(reg.log.at(-1)?.authorization).toBe(`Basic ${Buffer.from("bob:pw").toString("base64")}`);
  });

  test("wrong basic password: one round, then an exit-code-1 error", async () => {
    const reg = fake({ auth: "basic", users: { bob: "pw" } });
    storeLogin(reg.domain, "bob", "nope");
    const e = await failure(RegistryClient.for(reg.domain, "x").getManifest("latest", [OCI]));
    expect(e.exitCode).toBe(1);
    expect(e.status).toBe(401);
    expect(e.message).toBe(`unauthorized: incorrect username or password for ${reg.domain}`);
    expect(reg.log).toHaveLength(2);
  });

  test("token server refusing the credentials: exit code 1, no retries", async () => {
    const reg = fake({ auth: "bearer", users: { alice: "right" } });
    storeLogin(reg.domain, "alice", "wrong");
    const e = await failure(RegistryClient.for(reg.domain, "x").blobExists(sha("z")));
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain("incorrect username or password");
    expect(reg.tokenRequests).toHaveLength(1);
  });

  test("anonymous and still 401 after the token: authentication required, exit code 1", async () => {
    const reg = fake({ auth: "bearer", anonymousPull: false });
    const e = await failure(RegistryClient.for(reg.domain, "private/x").getManifest("latest", [OCI]));
    expect(e.exitCode).toBe(1);
    expect(e.message).toStartWith(`unauthorized: authentication required for ${reg.domain}`);
    expect(reg.requests((l) => l.path.includes("manifests"))).toHaveLength(2);
  });

  test("ping validates credentials for login", async () => {
    const reg = fake({ auth: "basic", users: { bob: "pw" } });
    await RegistryClient.for(reg.domain, "", { credentials: { username: "bob", password: "pw" } }).ping();
    const e = await failure(RegistryClient.for(reg.domain, "", { credentials: { username: "bob", password: "bad" } }).ping());
    expect(e.message).toBe(`login to ${reg.domain} failed: incorrect username or password`);
    expect(e.exitCode).toBe(1);
    // without credentials a 401 still shows a live registry
    await RegistryClient.for(reg.domain, "").ping();
  });

  test("parallel requests meeting the same challenge share one token request", async () => {
    const reg = fake({ auth: "bearer", anonymousPull: true });
    const digests = ["a", "b", "c", "d"].map((s) => reg.addBlob("r", s));
    const client = RegistryClient.for(reg.domain, "r");
    await Promise.all(digests.map((d) => client.getBlob(d)));
    expect(reg.tokenRequests).toHaveLength(1);
  });

  test("ping of something that is not a registry", async () => {
    const reg = fake({ hook: () => new Response("<html><title>Welcome to nginx!</title></html>", { status: 404, headers: { "Content-Type": "text/html" } }) });
    const e = await failure(RegistryClient.for(reg.domain, "").ping());
    expect(e.message).toStartWith(`${reg.domain} does not answer as a registry: GET /v2/: HTTP 404 Not Found: the server answered with an HTML page ("Welcome to nginx!")`);
  });

  test("a push token the server grants only pull for: 403 denied, exit code 1", async () => {
    const reg = fake({ auth: "bearer", users: { alice: "pw" }, hook: (req, url) => (req.method === "POST" && url.pathname.includes("uploads") ? new Response(JSON.stringify({ errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] }), { status: 403 }) : undefined) });
    storeLogin(reg.domain, "alice", "pw");
    const e = await failure(RegistryClient.for(reg.domain, "x").uploadBlob(sha("abc"), 3, () => pieces(new TextEncoder().encode("abc"))));
    expect(e.exitCode).toBe(1);
    expect(e.status).toBe(403);
    expect(e.message).toContain("denied: requested access to the resource is denied");
  });
});

describe("retries", () => {
  test("5xx is retried with backoff, then succeeds", async () => {
    let fails = 2;
    const reg = fake({ hook: (_req, url) => (url.pathname.includes("manifests") && fails-- > 0 ? new Response("oops", { status: 500 }) : undefined) });
    reg.addManifest("r", "t", OCI, { schemaVersion: 2 });
    await RegistryClient.for(reg.domain, "r").getManifest("t", [OCI]);
    expect(reg.requests((l) => l.path.includes("manifests"))).toHaveLength(3);
  });

  test("persistent 5xx gives up after 5 attempts with the status", async () => {
    const reg = fake({ hook: () => new Response("", { status: 503, statusText: "Service Unavailable" }) });
    const e = await failure(RegistryClient.for(reg.domain, "r").getManifest("t", [OCI]));
    expect(e.status).toBe(503);
    expect(e.exitCode).toBe(125);
    expect(e.message).toEndWith("HTTP 503 Service Unavailable (after 5 attempts)");
    expect(reg.log).toHaveLength(5);
  });

  test("403 is not retried", async () => {
    const reg = fake({ hook: () => new Response(JSON.stringify({ errors: [{ code: "DENIED", message: "nope" }] }), { status: 403 }) });
    const e = await failure(RegistryClient.for(reg.domain, "r").getManifest("t", [OCI]));
    expect(e.message).toBe(`manifest for ${reg.domain}/r:t: denied: nope`);
    expect(e.exitCode).toBe(1);
    expect(reg.log).toHaveLength(1);
  });

  test("a refused connection is retried, then reported in one line", async () => {
    const reg = fake();
    const domain = reg.domain;
    reg.stop();
    const e = await failure(RegistryClient.for(domain, "r").getManifest("t", [OCI]));
    expect(e.message).toContain("connection refused");
  });
});

describe("blob downloads", () => {
  test("a connection cut mid-body resumes with Range", async () => {
    const blob = random(300_000);
    let cut = true;
    const reg = fake({
      hook: (req, url) => {
        if (!url.pathname.includes("/blobs/") || !cut) return undefined;
        cut = false;
        return cutAfter(blob.subarray(0, 100_000));
      },
    });
    const digest = reg.addBlob("r", blob);
    const got = await collect(RegistryClient.for(reg.domain, "r").streamBlob(digest));
    expect(sha(got)).toBe(digest);
    expect(reg.requests((l) => l.path.includes("/blobs/")).map((l) => l.range)).toEqual([null, "bytes=100000-"]);
  });

  test("a server that ignores Range: the prefix already received is skipped", async () => {
    const blob = random(200_000);
    let n = 0;
    const reg = fake({
      hook: () => (n++ === 0 ? cutAfter(blob.subarray(0, 70_000)) : new Response(blob)), // 200 with everything, Range or not
    });
    const digest = reg.addBlob("r", blob);
    const got = await collect(RegistryClient.for(reg.domain, "r").streamBlob(digest));
    expect(got.length).toBe(blob.length);
    expect(sha(got)).toBe(digest);
    expect(reg.log[1].range).toBe("bytes=70000-");
  });

  test("a body that keeps breaking gives up after 5 attempts", async () => {
    const blob = random(50_000);
    let offset = 0;
    const reg = fake({
      hook: () => {
        const part = blob.subarray(offset, offset + 1000);
        const headers = { "Content-Range": `bytes ${offset}-${blob.length - 1}/${blob.length}` };
        offset += 1000;
        return cutAfter(part, headers, offset === 1000 ? 200 : 206);
      },
    });
    const digest = reg.addBlob("r", blob);
    const e = await failure(collect(RegistryClient.for(reg.domain, "r").streamBlob(digest)));
    expect(e.message).toContain("download failed after 5 attempts, at byte 5000");
  });

  test("a redirect to another host does not carry the Authorization header", async () => {
    const seen: (string | null)[] = [];
    const storage = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => {
        seen.push(req.headers.get("authorization"));
        return new Response("blob-bytes");
      },
    });
    try {
      const reg = fake({ auth: "basic", users: { u: "p" }, hook: (req, url) => (url.pathname.includes("/blobs/") && req.headers.get("authorization") ? Response.redirect(`http://127.0.0.1:${storage.port}/storage/x?sig=1`, 307) : undefined) });
      storeLogin(reg.domain, "u", "p");
      const digest = sha("blob-bytes");
      const client = RegistryClient.for(reg.domain, "r");
      expect(new TextDecoder().decode(await client.getBlob(digest))).toBe("blob-bytes");
      expect(new TextDecoder().decode(await collect(client.streamBlob(digest)))).toBe("blob-bytes");
      expect(seen).toEqual([null, null]);
      expect(reg.log.filter((l) => l.authorization).length).toBeGreaterThanOrEqual(2);
    } finally {
      storage.stop(true);
    }
  });

  test("getBlob verifies the digest", async () => {
    const reg = fake({ hook: () => new Response("not what you asked for") });
    const e = await failure(RegistryClient.for(reg.domain, "r").getBlob(sha("wanted")));
    expect(e.message).toContain(`the content's digest is ${sha("not what you asked for")}`);
  });

  test("getBlob refuses more than maxBytes", async () => {
    const reg = fake();
    const digest = reg.addBlob("r", random(2000));
    const e = await failure(RegistryClient.for(reg.domain, "r").getBlob(digest, 1000));
    expect(e.message).toContain("larger than the 1000 bytes allowed");
  });

  test("blobExists: HEAD 200 or 404", async () => {
    const reg = fake();
    const digest = reg.addBlob("r", "here");
    const client = RegistryClient.for(reg.domain, "r");
    expect(await client.blobExists(digest)).toBe(true);
    expect(await client.blobExists(sha("absent"))).toBe(false);
    expect(reg.log.every((l) => l.method === "HEAD")).toBe(true);
  });
});

describe("manifests", () => {
  test("a manifest over 4 MiB is refused, announced or streamed", async () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1).fill(32);
    const reg = fake({
      hook: (_req, url) =>
        url.pathname.endsWith("/announced")
          ? new Response(big, { headers: { "Content-Type": OCI } })
          : new Response(
              new ReadableStream({
                pull(c) {
                  c.enqueue(big.subarray(0, 1 << 20)); // chunked: no Content-Length, never ends
                },
              }),
              { headers: { "Content-Type": OCI } },
            ),
    });
    const client = RegistryClient.for(reg.domain, "r");
    expect((await failure(client.getManifest("announced", [OCI]))).message).toContain("larger than the 4 MiB allowed (4194305 bytes)");
    expect((await failure(client.getManifest("streamed", [OCI]))).message).toContain("larger than the 4 MiB allowed");
  });

  test("an HTML error page becomes a clear one-line message", async () => {
    const page = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1>\n<p>nginx</p></body></html>";
    const reg = fake({ hook: (_req, url) => new Response(page, { status: url.pathname.includes("missing") ? 404 : 200, headers: { "Content-Type": "text/html" } }) });
    const client = RegistryClient.for(reg.domain, "r");
    const e404 = await failure(client.getManifest("missing", [OCI]));
    expect(e404.message).toBe(`manifest for ${reg.domain}/r:missing not found: HTTP 404 Not Found: the server answered with an HTML page ("404 Not Found") instead of a registry response; is this a registry?`);
    const e200 = await failure(client.getManifest("ok", [OCI]));
    expect(e200.message).toContain("answered with an HTML page, not JSON");
  });

  test("registry errors are reported in docker's words", async () => {
    const reg = fake();
    const e = await failure(RegistryClient.for(reg.domain, "r").getManifest("nope", [OCI]));
    expect(e.message).toBe(`manifest for ${reg.domain}/r:nope not found: manifest unknown: manifest unknown`);
    expect(e.status).toBe(404);
  });

  test("a digest reference is verified; media type falls back to the manifest's field", async () => {
    const reg = fake();
    const m = reg.addManifest("r", "t", "application/json", { schemaVersion: 2, mediaType: OCI });
    const client = RegistryClient.for(reg.domain, "r");
    expect((await client.getManifest("t", [OCI])).mediaType).toBe(OCI);
    const other = sha("something else");
    reg.manifests.set(`r@${other}`, { type: OCI, bytes: m.bytes });
    expect((await failure(client.getManifest(other, [OCI]))).message).toContain(`the content's digest is ${m.digest}`);
    expect(reg.log[0].path).toBe("/v2/r/manifests/t");
  });

  test("references and repositories are validated before they reach a URL", () => {
    expect(() => RegistryClient.for("127.0.0.1:5000", "../x")).toThrow("invalid repository name");
    expect(() => RegistryClient.for("bad/host", "x")).toThrow("invalid registry host");
    expect(RegistryClient.for("127.0.0.1:5000", "x").getManifest("a/b", [OCI])).rejects.toThrow("invalid tag or digest");
  });
});

describe("uploads", () => {
  test("a small blob: POST then one PUT ?digest=; then it exists", async () => {
    const reg = fake();
    const blob = random(5000);
    const digest = sha(blob);
    const client = RegistryClient.for(reg.domain, "r");
    expect(await client.uploadBlob(digest, blob.length, () => pieces(blob, 1000))).toBe("uploaded");
    expect(reg.blobs.get("r")?.get(digest)).toEqual(blob);
    expect(reg.log.map((l) => l.method)).toEqual(["HEAD", "POST", "PUT"]);
    expect(reg.log[2].path).toMatch(/^\/v2\/r\/blobs\/uploads\/u\d+\?_state=s\d+&digest=sha256%3A[0-9a-f]{64}$/);
    expect(await client.uploadBlob(digest, blob.length, () => pieces(blob))).toBe("exists");
  });

  test("a large blob goes in PATCH chunks with Content-Range, following relative Locations", async () => {
    const reg = fake();
    const blob = random(16 * 1024 * 1024 + 4321);
    const digest = sha(blob);
    expect(await RegistryClient.for(reg.domain, "big/one").uploadBlob(digest, blob.length, () => pieces(blob, 3_000_000))).toBe("uploaded");
    const log = reg.log.map((l) => [l.method, l.contentRange, l.bodyLength]);
    expect(log).toEqual([
      ["HEAD", null, 0],
      ["POST", null, 0],
      ["PATCH", `0-${16 * 1024 * 1024 - 1}`, 16 * 1024 * 1024],
      ["PATCH", `${16 * 1024 * 1024}-${blob.length - 1}`, 4321],
      ["PUT", null, 0],
    ]);
    expect(reg.log[3].path).toContain("_state=");
    expect(reg.blobs.get("big/one")?.get(digest)?.length).toBe(blob.length);
  });

  test("a failed upload restarts from a new session, reading the source again", async () => {
    let failPut = true;
    const reg = fake({ hook: (req) => (req.method === "PUT" && failPut ? ((failPut = false), new Response("", { status: 502 })) : undefined) });
    const blob = random(1000);
    let reads = 0;
    const result = await RegistryClient.for(reg.domain, "r").uploadBlob(sha(blob), blob.length, () => {
      reads++;
      return pieces(blob);
    });
    expect(result).toBe("uploaded");
    expect(reads).toBe(2);
    expect(reg.log.map((l) => l.method)).toEqual(["HEAD", "POST", "PUT", "POST", "PUT"]);
  });

  test("a source shorter than its size is an error, not a corrupt upload", async () => {
    const reg = fake();
    const e = await failure(RegistryClient.for(reg.domain, "r").uploadBlob(sha("abc"), 10, () => pieces(new TextEncoder().encode("abc"))));
    expect(e.message).toContain("the content is 3 bytes, but its descriptor says 10");
  });

  test("cross-repository mount", async () => {
    const reg = fake({ auth: "bearer", users: { u: "p" } });
    storeLogin(reg.domain, "u", "p");
    const digest = reg.addBlob("library/base", "shared layer");
    const body = () => {
      throw new Error("the source must not be read when the mount succeeds");
    };
    expect(await RegistryClient.for(reg.domain, "me/app").uploadBlob(digest, 12, body, { mountFrom: "library/base" })).toBe("mounted");
    const post = reg.requests((l) => l.method === "POST")[0];
    expect(post.path).toBe(`/v2/me/app/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=library%2Fbase`);
    expect(reg.tokenRequests.at(-1)?.url.searchParams.getAll("scope")).toEqual(["repository:me/app:pull,push", "repository:library/base:pull"]);
    expect(reg.blobs.get("me/app")?.has(digest)).toBe(true);
  });

  test("a mount the registry declines continues as a normal upload", async () => {
    const reg = fake();
    const blob = new TextEncoder().encode("not in the source repo");
    expect(await RegistryClient.for(reg.domain, "me/app").uploadBlob(sha(blob), blob.length, () => pieces(blob), { mountFrom: "elsewhere" })).toBe("uploaded");
    expect(reg.log.map((l) => l.method)).toEqual(["HEAD", "POST", "PUT"]);
  });
});

describe("listings", () => {
  test("tags follow Link pagination; catalog lists repositories", async () => {
    const reg = fake({ pageSize: 2 });
    for (const t of ["a", "b", "c", "d", "e"]) reg.addManifest("r", t, OCI, { t });
    reg.addBlob("other/repo", "x");
    const client = RegistryClient.for(reg.domain, "r");
    expect(await client.tags()).toEqual(["a", "b", "c", "d", "e"]);
    expect(reg.requests((l) => l.path.includes("tags")).map((l) => l.path)).toEqual(["/v2/r/tags/list", "/v2/r/tags/list?n=2&last=b", "/v2/r/tags/list?n=2&last=d"]);
    expect(await client.catalog()).toEqual(["other/repo", "r"]);
  });
});
