// Data on stdout without process.stdout: creating that node stream costs ~4 ms
// (it loads the stream machinery and starts threads), more than all of `version`;
// node:fs's writeSync would cost ~1.5 ms just to load node:fs. Bun.write does
// neither, and writes it all (waiting on a full pipe) before it resolves.

/** Writes all of `text` to stdout. */
export async function writeOut(text: string): Promise<void> {
  try {
    await Bun.write(Bun.stdout, text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPIPE") throw e; // the reader is gone (| head): nobody to tell
  }
}
