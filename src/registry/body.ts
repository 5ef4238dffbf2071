// Reading answers whose size we bound: a manifest, a config or a page of tags
// is small, and a registry (or something pretending to be one) must not make
// us buffer gigabytes. Both the announced Content-Length and the bytes that
// actually arrive are checked.
import { RegistryError } from "./errors.ts";
import { networkError } from "./transport.ts";

export const MiB = 1 << 20;

function tooLarge(what: string, max: number, size: string): RegistryError {
  return new RegistryError(`${what} is larger than the ${formatSize(max)} allowed (${size}); refusing it`);
}

export function formatSize(n: number): string {
  return n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`;
}

export async function readLimited(res: Response, max: number, what: string): Promise<Uint8Array> {
  const announced = Number(res.headers.get("content-length") ?? Number.NaN);
  if (announced > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(what, max, `${announced} bytes`);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (e) {
        throw networkError("GET", res.url, e); // transient: the caller's retry loop fetches it again
      }
      if (step.done) break;
      n += step.value.length;
      if (n > max) throw tooLarge(what, max, "more bytes arrived");
      chunks.push(step.value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  }
  return chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
}
