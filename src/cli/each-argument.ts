// Docker's multi-argument commands (rm, rmi, start, stop, inspect): every argument
// is tried, each failure is one line on stderr, and the exit code is 1 if any failed.
// As docker's, the failures come after everything else the command printed (so
// `rm a nope b 2>&1` reads a, b, then the error). (Plain process.stderr: console.error
// colours it red on a terminal, which docker never does.)
import { BunkerError } from "../lib/errors.ts";

type Describe = (ref: string, e: BunkerError) => string;
const daemonStyle: Describe = (_, e) => `Error response from daemon: ${e.message}`;

/** `output` prints what the arguments gave (inspect's array) before the failures are reported. */
export async function eachArgument(refs: string[], fn: (ref: string) => void | Promise<void>, describe: Describe = daemonStyle, output?: () => void): Promise<number> {
  const failures: string[] = [];
  try {
    for (const ref of refs) {
      try {
        await fn(ref);
      } catch (e) {
        if (!(e instanceof BunkerError)) throw e;
        failures.push(`${describe(ref, e)}\n`);
      }
    }
    output?.();
  } finally {
    if (failures.length > 0) process.stderr.write(failures.join(""));
  }
  return failures.length > 0 ? 1 : 0;
}

/** Like eachArgument, but all at once (docker stops containers in parallel); results are printed in argument order. */
export async function eachArgumentAtOnce(refs: string[], fn: (ref: string) => Promise<string>, describe: Describe = daemonStyle): Promise<number> {
  const results = await Promise.allSettled(refs.map((ref) => fn(ref)));
  const failures: string[] = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") {
      console.log(r.value);
      return;
    }
    if (!(r.reason instanceof BunkerError)) throw r.reason;
    failures.push(`${describe(refs[i], r.reason)}\n`);
  });
  if (failures.length > 0) process.stderr.write(failures.join(""));
  return failures.length > 0 ? 1 : 0;
}
