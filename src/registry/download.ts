// Big blobs (layers) are streamed, and a connection that breaks half-way is
// not a reason to start a 500 MB download again: the rest is asked for with
// `Range: bytes=<received>-`. A server that ignores Range answers 200 with the
// whole blob, whose first <received> bytes are then skipped. Nothing here is
// verified: the caller hashes what it stores.
import { RegistryError } from "./errors.ts";
import { delayBefore, maxAttempts } from "./retry.ts";
import { expectStatus, type RegistryRequest, type Session } from "./session.ts";
import { reason } from "./transport.ts";

export async function* resumableDownload(session: Session, req: RegistryRequest, what: string): AsyncGenerator<Uint8Array> {
  let received = 0;
  let total: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const headers: Record<string, string> = received > 0 ? { ...req.headers, Range: `bytes=${received}-` } : { ...req.headers };
    const res = await session.send({ ...req, headers });
    let skip = 0;
    if (received > 0 && res.status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)/.exec(res.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== received) {
        await res.body?.cancel().catch(() => {});
        throw new RegistryError(`${what}: asked to resume at byte ${received}, the registry answered ${res.headers.get("content-range") ?? "no Content-Range"}`);
      }
      if (range[2] !== "*") total = Number(range[2]);
    } else {
      await expectStatus(res, [200], what);
      skip = received; // a 200 to a Range request is the whole blob again
      const length = res.headers.get("content-length");
      if (length !== null) total = Number(length);
    }
    const reader = res.body?.getReader();
    let broken: unknown;
    try {
      while (reader) {
        let step: Awaited<ReturnType<typeof reader.read>>;
        try {
          step = await reader.read();
        } catch (e) {
          broken = e;
          break;
        }
        if (step.done) break;
        let chunk = step.value;
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (chunk.length === 0) continue;
        }
        received += chunk.length;
        yield chunk;
      }
    } finally {
      // also when the consumer stops early: free the connection
      await reader?.cancel().catch(() => {});
    }
    // A body may also end cleanly but short of its announced length (a proxy closing early).
    if (!broken && (total === undefined || received >= total)) return;
    broken ??= new Error(`the body ended at byte ${received} of ${total}`);
    if (attempt >= maxAttempts()) {
      throw new RegistryError(`${what}: download failed after ${attempt} attempts, at byte ${received}${total ? ` of ${total}` : ""}: ${reason(broken)}`);
    }
    await Bun.sleep(delayBefore(attempt));
  }
}
