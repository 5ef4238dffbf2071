// Where `save` and `export` write their tar: -o FILE (checked before any work,
// replaced atomically) or stdout, which must not be a terminal (docker's rule).
import { isatty } from "node:tty";
import { fileOutput, outputPathProblem, stdoutOutput, type TarOutput } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";

/** `failed`: how the command words its failure ("failed to save image"). */
export function archiveOutput(path: string | undefined, failed: string): () => TarOutput {
  if (path === undefined) {
    if (isatty(1)) throw new BunkerError("cowardly refusing to save to a terminal. Use the -o flag or redirect", 1);
    return stdoutOutput;
  }
  const problem = outputPathProblem(path);
  if (problem) throw new BunkerError(`${failed}: ${problem}`, 1);
  return () => fileOutput(path);
}
