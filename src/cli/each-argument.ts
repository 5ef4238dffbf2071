// Docker's multi-argument commands (rm, rmi, start, stop, inspect): every argument
// is tried, each failure is one line on stderr, and the exit code is 1 if any failed.
// (Plain process.stderr: console.error colours it red on a terminal, which docker never does.)
import { BunkerError } from "../lib/errors.ts";

type Describe = (ref: string, e: BunkerError) => string;
const daemonStyle: Describe = (_, e) => `Error response from daemon: ${e.message}`;

export async function eachArgument(refs: string[], fn: (ref: string) => void | Promise<void>, describe: Describe = daemonStyle): Promise<number> {
  let failed = false;
  for (const ref of refs) {
    try {
      await fn(ref);
    } catch (e) {
      if (!(e instanceof BunkerError)) throw e;
      process.stderr.write(`${describe(ref, e)}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** Like eachArgument, but all at once (docker stops containers in parallel); results are printed in argument order. */
export async function eachArgumentAtOnce(refs: string[], fn: (ref: string) => Promise<string>, describe: Describe = daemonStyle): Promise<number> {
  const results = await Promise.allSettled(refs.map((ref) => fn(ref)));
  let failed = false;
  results.forEach((r, i) => {
    if (r.status === "fulfilled") {
      console.log(r.value);
      return;
    }
    if (!(r.reason instanceof BunkerError)) throw r.reason;
    process.stderr.write(`${describe(refs[i], r.reason)}\n`);
    failed = true;
  });
  return failed ? 1 : 0;
}
