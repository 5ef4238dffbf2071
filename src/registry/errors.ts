// Registry errors are one line for the user. Authentication and permission
// failures exit 1 (the user must fix their login), everything else 125.
import { BunkerError } from "../lib/errors.ts";

export class RegistryError extends BunkerError {
  readonly status?: number;
  constructor(message: string, opts: { status?: number; exitCode?: number; cause?: unknown } = {}) {
    super(oneLine(message), opts.exitCode ?? 125);
    this.status = opts.status;
    if (opts.cause !== undefined) this.cause = opts.cause;
  }
}

/** A 5xx answer or a broken connection: worth another attempt (retry.ts). */
export class TransientError extends RegistryError {}

/** Collapses whitespace and bounds the length, so a server's text cannot spill over many lines. */
export function oneLine(s: string, max = 400): string {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What an unsuccessful answer says, in docker's words where the registry sent
 * its JSON errors ("manifest unknown: manifest unknown"), else the HTTP status.
 * An HTML page (a proxy, a login portal, a web server that is not a registry)
 * is named as such instead of being dumped.
 */
export function describeBody(status: number, statusText: string, contentType: string, body: string): string {
  const http = `HTTP ${status}${statusText ? ` ${statusText}` : ""}`;
  const trimmed = body.trimStart();
  if (/html/i.test(contentType) || /^<(!doctype|html|head|body)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return `${http}: the server answered with an HTML page${title ? ` ("${oneLine(title, 80)}")` : ""} instead of a registry response; is this a registry?`;
  }
  try {
    const json = JSON.parse(body) as { errors?: { code?: string; message?: string }[]; error?: string; details?: string };
    const first = json.errors?.[0];
    if (first?.code || first?.message) {
      const code = (first.code ?? "").toLowerCase().replace(/_/g, " ");
      const said = [code, first.message].filter(Boolean).join(": "); // docker repeats them too: "manifest unknown: manifest unknown"
      // Server errors say little ("unknown"): the status says more.
      return status >= 500 ? `${http}: ${said}` : said;
    }
    // Token servers answer {"error": "...", "details": "..."}.
    if (typeof json.error === "string") return [json.error, json.details].filter(Boolean).join(": ");
  } catch {
    // not JSON: fall through to the status
  }
  const text = oneLine(trimmed, 200);
  return text && !text.startsWith("{") ? `${http}: ${text}` : http;
}

/** Reads at most `limit` bytes of an error body (never a whole multi-GB blob) and describes it. */
export async function describeResponse(res: Response, limit = 64 << 10): Promise<string> {
  let body = "";
  try {
    if (res.body) {
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let n = 0;
      while (n < limit) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.length;
      }
      await reader.cancel().catch(() => {});
      body = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
    }
  } catch {
    // a broken error body still leaves the status to report
  }
  return describeBody(res.status, res.statusText, res.headers.get("content-type") ?? "", body);
}

/** Frees the connection of a response we do not read. */
export async function discard(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}
