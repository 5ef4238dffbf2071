// Synchronous writes to a file descriptor that may be a pipe we do not own.
import { writeSync } from "node:fs";

/** Writes all of `chunk`, waiting out EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, chunk: Uint8Array): void {
  for (let off = 0; off < chunk.length; ) {
    try {
      off += writeSync(fd, chunk, off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Bun.sleepSync(1);
    }
  }
}

/** writeAll to stdout or stderr; when the reader went away (`… | head`), dies quietly as SIGPIPE would, as docker (Go) does. */
export function writeOutput(fd: 1 | 2, chunk: Uint8Array): void {
  try {
    writeAll(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EPIPE") process.exit(128 + 13);
    throw e;
  }
}
