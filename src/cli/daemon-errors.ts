// The docker CLI prints what its daemon answers (and the runtime errors the
// daemon passes on) as they are, without its own name in front.
import { DaemonError, ExecError } from "../lib/errors.ts";

/** Runs a command's body; a DaemonError or ExecError becomes that line on stderr and its exit code. */
export async function reportingDaemonErrors(body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof DaemonError) process.stderr.write(`Error response from daemon: ${e.message}\n`);
    else if (e instanceof ExecError) process.stderr.write(`${e.message}\n`);
    else throw e;
    return e.exitCode;
  }
}
