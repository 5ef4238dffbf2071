// Digests are validated before they ever become part of a path or URL.
import { BunkerError } from "../lib/errors.ts";

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function checkDigest(s: string): string {
  if (!DIGEST.test(s)) throw new BunkerError(`invalid digest "${s}": expected sha256: followed by 64 hex digits`);
  return s;
}

/** The hex part of a validated digest, safe to use as a file name. */
export function digestHex(s: string): string {
  return checkDigest(s).slice("sha256:".length);
}

export function sha256(data: string | Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;
}

/** The chain id of a layer stack (image spec): the identity of a layer together with everything beneath it. */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length === 0 ? d : sha256(`${out[out.length - 1]} ${d}`));
  return out;
}
