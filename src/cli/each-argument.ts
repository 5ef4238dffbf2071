// Docker's multi-argument commands (rm, rmi, start, inspect): every argument
// is tried, each failure is one line on stderr, and the exit code is 1 if any failed.
import { BunkerError } from "../lib/errors.ts";

export async function eachArgument(
  refs: string[],
  fn: (ref: string) => void | Promise<void>,
  describe: (ref: string, e: BunkerError) => string = (_, e) => `Error response from daemon: ${e.message}`,
): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (e) {
      if (!(e instanceof BunkerError)) throw e;
      console.error(describe(ref, e));
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
