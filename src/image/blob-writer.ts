// Streams a blob into the store: bytes go to a temp file under image/tmp (the
// incomplete mark) while they are hashed; only a verified blob is renamed into
// blobs/sha256/<hex>, and only when its image is committed. Nothing unverified
// (or belonging to a failed pull) is ever visible.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { syncDir } from "../lib/atomic.ts";
import { BunkerError } from "../lib/errors.ts";
import { digestHex } from "./digest.ts";

export class BlobWriter {
  private readonly hasher = new Bun.CryptoHasher("sha256");
  private fd: number;
  private digest?: string;
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

  /** Verifies the digest (when one is expected) and makes the bytes durable; still invisible. Returns the digest. */
  finish(expected?: string): string {
    const digest = `sha256:${this.hasher.digest("hex")}`;
    if (expected && digest !== expected) {
      this.abort();
      throw new BunkerError(`blob ${expected} failed verification: its content hashes to ${digest}; nothing was stored`);
    }
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    this.digest = digest;
    return digest;
  }

  /** Makes a finished blob visible under its digest (an existing copy wins). */
  publish(): void {
    if (!this.digest) throw new Error("internal: publishing an unfinished blob");
    mkdirSync(this.blobsDir, { recursive: true });
    const dest = join(this.blobsDir, digestHex(this.digest));
    if (existsSync(dest)) rmSync(this.tmpPath, { force: true });
    else {
      renameSync(this.tmpPath, dest);
      syncDir(this.blobsDir);
    }
  }

  /** Both steps at once, for blobs nothing else waits on. */
  commit(expected?: string): string {
    const digest = this.finish(expected);
    this.publish();
    return digest;
  }

  abort(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.tmpPath, { force: true });
  }
}
