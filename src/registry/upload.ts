// Blob upload (distribution spec "push"): a cross-repository mount when the
// blob is already in another repository of the registry; otherwise an upload
// session, filled with one PUT for small blobs or PATCH chunks for large ones.
//
// A failed chunk leaves the session in a state we cannot trust, so transient
// failures restart the whole upload (a new session, the source read again
// through `body()`), and the requests inside are not retried on their own.
import { RegistryError } from "./errors.ts";
import { MiB } from "./body.ts";
import { withRetries } from "./retry.ts";
import { expectStatus, type RegistryRequest, type Session } from "./session.ts";

/** Up to this size a blob goes in one PUT; beyond it in PATCH chunks of CHUNK bytes (each held in memory). */
export const MONOLITHIC_MAX = 16 * MiB;
export const CHUNK = 16 * MiB;

export type UploadResult = "exists" | "mounted" | "uploaded";

export interface UploadTarget {
  session: Session;
  repository: string;
  /** Scopes for this push (pull,push on the repository, pull on a mount source). */
  scopes: string[];
  /** "blob sha256:… to host/repo", for messages. */
  what: string;
}

export async function upload(t: UploadTarget, digest: string, size: number, body: () => AsyncIterable<Uint8Array>, mountFrom?: string): Promise<UploadResult> {
  return withRetries(async () => {
    const start = await startUpload(t, digest, mountFrom);
    if (start === "mounted") return "mounted";
    let location = start;
    if (size <= MONOLITHIC_MAX) {
      const bytes = await collect(body(), size, t.what);
      await put(t, location, digest, bytes);
      return "uploaded";
    }
    let offset = 0;
    for await (const chunk of chunks(body(), CHUNK, size, t.what)) {
      const req = request(t, "PATCH", location, chunk, {
        "Content-Type": "application/octet-stream",
        "Content-Range": `${offset}-${offset + chunk.length - 1}`,
      });
      location = await t.session.request(req, async (res) => {
        await expectStatus(res, [202, 204], `uploading ${t.what}`);
        return nextLocation(res, location);
      });
      offset += chunk.length;
    }
    await put(t, location, digest, new Uint8Array(0));
    return "uploaded";
  });
}

/** Opens an upload session (its URL) or mounts the blob from another repository. */
async function startUpload(t: UploadTarget, digest: string, mountFrom: string | undefined): Promise<string | "mounted"> {
  const base = `/v2/${t.repository}/blobs/uploads/`;
  const target = mountFrom ? `${base}?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}` : base;
  return t.session.request(request(t, "POST", target), async (res) => {
    // 201: mounted. 202: the registry could not (or would not) mount and opened a normal upload instead.
    if (mountFrom && res.status === 201) {
      await res.body?.cancel().catch(() => {});
      return "mounted";
    }
    await expectStatus(res, [202], `starting the upload of ${t.what}`);
    return nextLocation(res, new URL(target, t.session.transport.url("/")).toString());
  });
}

async function put(t: UploadTarget, location: string, digest: string, bytes: Uint8Array): Promise<void> {
  // The query may already carry session state (_state=…): append, never rebuild it.
  const url = `${location}${location.includes("?") ? "&" : "?"}digest=${encodeURIComponent(digest)}`;
  const req = request(t, "PUT", url, bytes, { "Content-Type": "application/octet-stream" });
  await t.session.request(req, async (res) => {
    await expectStatus(res, [201, 204], `uploading ${t.what}`);
    await res.body?.cancel().catch(() => {});
  });
}

function request(t: UploadTarget, method: RegistryRequest["method"], target: string, body?: Uint8Array, headers?: Record<string, string>): RegistryRequest {
  return { method, target, scopes: t.scopes, body, headers, retry: false };
}

/** The session URL for the next step; a relative Location is resolved against the request's URL. */
function nextLocation(res: Response, requestUrl: string): string {
  const location = res.headers.get("location");
  if (!location) throw new RegistryError(`the registry answered ${res.status} without a Location for the upload`, { status: res.status });
  res.body?.cancel().catch(() => {});
  return new URL(location, res.url || requestUrl).toString();
}

function sizeMismatch(what: string, got: string, size: number): RegistryError {
  return new RegistryError(`${what}: the content is ${got} bytes, but its descriptor says ${size}`);
}

async function collect(source: AsyncIterable<Uint8Array>, size: number, what: string): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let n = 0;
  for await (const piece of source) {
    if (n + piece.length > size) throw sizeMismatch(what, "more than", size);
    out.set(piece, n);
    n += piece.length;
  }
  if (n !== size) throw sizeMismatch(what, String(n), size);
  return out;
}

/** Re-cuts a byte stream into pieces of exactly `chunkSize` (the last one shorter). */
export async function* chunks(source: AsyncIterable<Uint8Array>, chunkSize: number, size: number, what: string): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(chunkSize);
  let fill = 0;
  let total = 0;
  for await (let piece of source) {
    total += piece.length;
    if (total > size) throw sizeMismatch(what, "more than", size);
    while (piece.length > 0) {
      const take = Math.min(piece.length, chunkSize - fill);
      buf.set(piece.subarray(0, take), fill);
      fill += take;
      piece = piece.subarray(take);
      if (fill === chunkSize) {
        yield buf;
        buf = new Uint8Array(chunkSize); // the yielded chunk may still be in flight
        fill = 0;
      }
    }
  }
  if (total !== size) throw sizeMismatch(what, String(total), size);
  if (fill > 0) yield buf.subarray(0, fill);
}
