// Data on stdout without process.stdout: creating that node stream costs ~4 ms
// (it loads the stream machinery and starts threads), more than all of `version`.
// A command that prints its output in one go writes the fd directly instead.
import { writeSync } from "node:fs";

/** Writes all of `text` to stdout before returning, even to a non-blocking pipe. */
export function writeOut(text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(1, rest));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return; // the reader is gone (| head): the rest has nobody to go to
      if (code !== "EAGAIN") throw e;
      Bun.sleepSync(1); // the reader is behind: let it catch up
    }
  }
}
