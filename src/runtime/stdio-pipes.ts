// The stdio of an exec'd process without a terminal: pipes that bunker owns,
// never the caller's own fds. A process handed the caller's stdin or stdout
// could reopen the host file or terminal behind it through /proc/self/fd/N
// and read or rewrite it; a pipe's other end leads only back to bunker, which
// copies bytes across (docker does the same through containerd's pipes).
import { close, O_CLOEXEC, O_RDONLY, open, pipe } from "../../ffi/native.ts";
import { writeOutput } from "../lib/write-all.ts";

export interface StdioPipes {
  /** The process's ends, for its program's "stdio" op; closed here once it has started. */
  child: { stdin: number; stdout: number; stderr: number };
  /** Bunker's ends: -1 for stdin when it is not relayed. */
  ours: { stdin: number; stdout: number; stderr: number };
}

/** With `interactive` (-i) stdin is a pipe fed from ours; otherwise /dev/null, so the process reads EOF as under docker. */
export function openStdioPipes(interactive: boolean): StdioPipes {
  const opened: number[] = [];
  const keep = (fds: number[]) => {
    opened.push(...fds.filter((fd) => fd >= 0));
    return fds;
  };
  try {
    const [stdinRead, stdinWrite] = keep(interactive ? pipe() : [open("/dev/null", O_RDONLY | O_CLOEXEC), -1]);
    const [stdoutRead, stdoutWrite] = keep(pipe());
    const [stderrRead, stderrWrite] = keep(pipe());
    return { child: { stdin: stdinRead, stdout: stdoutWrite, stderr: stderrWrite }, ours: { stdin: stdinWrite, stdout: stdoutRead, stderr: stderrRead } };
  } catch (e) {
    for (const fd of opened) close(fd);
    throw e;
  }
}

/** For a process that failed to start. */
export function closeStdioPipes({ child, ours }: StdioPipes): void {
  for (const fd of [child.stdin, child.stdout, child.stderr, ours.stdin, ours.stdout, ours.stderr]) if (fd >= 0) close(fd);
}

/** Where a relay takes the process's input from and sends its output: our own stdio, or an API connection. */
export interface StdioEnds {
  /** What is fed to the process's stdin pipe (taken only when stdin is relayed); its end is the process's EOF. */
  input(): ReadableStream<Uint8Array>;
  /** A chunk of the process's stdout (1) or stderr (2); a returned promise holds the next read back. */
  output(fd: 1 | 2, chunk: Uint8Array): void | Promise<void>;
}

/** The CLI's ends: our stdin, stdout and stderr. */
export const ownStdio = (): StdioEnds => ({ input: () => Bun.stdin.stream(), output: writeOutput });

/**
 * Copies the input to the process and its stdout and stderr to the output,
 * until both outputs end (every holder of the write ends has closed them: the
 * process and any child it left behind, as with docker). Input stops when the
 * process exits. Output is written before the next read, so a slow reader
 * holds the process back (back-pressure) instead of filling our memory.
 *
 * Bun's own pipe streams (polled, non-blocking) are used rather than node's
 * fs streams: those read in the thread pool, which has one thread per core,
 * and two blocked output reads would leave none for the input.
 */
export async function relayStdio(pipes: StdioPipes, exited: Promise<unknown>, ends: StdioEnds = ownStdio()): Promise<void> {
  const { child, ours } = pipes;
  // Only the process's copies may remain, or the outputs would never end.
  for (const fd of [child.stdin, child.stdout, child.stderr]) close(fd);
  const stopInput = ours.stdin >= 0 ? relayInput(ends.input(), ours.stdin) : () => {};
  const outputs = Promise.all([relayOutput(ours.stdout, 1, ends), relayOutput(ours.stderr, 2, ends)]);
  await exited;
  stopInput();
  await outputs;
}

/** INPUT into the pipe FD, its end closing the pipe (EOF for the process); returns the function that stops it. */
function relayInput(from: ReadableStream<Uint8Array>, fd: number): () => void {
  const input = from.getReader();
  const sink = Bun.file(fd).writer({ highWaterMark: 65536 });
  (async () => {
    try {
      for (let r = await input.read(); !r.done; r = await input.read()) {
        // Back-pressure: no more input until the pipe has taken this. A failed write
        // (EPIPE) rejects the promise write returns, so it is awaited too.
        await sink.write(r.value);
        await sink.flush();
      }
      await sink.end();
    } catch {
      // EPIPE: the process closed its stdin
    }
    close(fd);
  })();
  return () => void input.cancel().catch(() => {});
}

async function relayOutput(fd: number, to: 1 | 2, ends: StdioEnds): Promise<void> {
  try {
    for await (const chunk of Bun.file(fd).stream()) await ends.output(to, chunk);
  } finally {
    close(fd);
  }
}
