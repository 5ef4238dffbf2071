// Streams a blob into the store: bytes go to a temp file under image/tmp (the
// incomplete mark) while they are hashed; only a verified blob is renamed into
// blobs/sha256/<hex>. Nothing unverified is ever visible.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { syncDir } from "../lib/atomic.ts";
import { BunkerError } from "../lib/errors.ts";
import { digestHex } from "./digest.ts";

export class BlobWriter {
  private readonly hasher = new Bun.CryptoHasher("sha256");
  private fd: number;
  size = 0;

  constructor(
    private readonly blobsDir: string,
    private readonly tmpPath: string,
  ) {
    this.fd = openSync(tmpPath, "wx", 0o644);
  }

  write(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    for (let off = 0; off < chunk.length; ) off += writeSync(this.fd, chunk, off);
    this.size += chunk.length;
  }

  /** Verifies the digest (when one is expected), then makes the blob visible. Returns its digest. */
  commit(expected?: string): string {
    const digest = `sha256:${this.hasher.digest("hex")}`;
    if (expected && digest !== expected) {
      this.abort();
      throw new BunkerError(`blob ${expected} failed verification: its content hashes to ${digest}; nothing was stored`);
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    mkdirSync(this.blobsDir, { recursive: true });
    const dest = join(this.blobsDir, digestHex(digest));
    if (existsSync(dest)) rmSync(this.tmpPath, { force: true });
    else {
      renameSync(this.tmpPath, dest);
      syncDir(this.blobsDir);
    }
    return digest;
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmpPath, { force: true });
  }
}
