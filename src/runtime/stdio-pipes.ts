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

/**
 * Copies our stdin to the process and its stdout and stderr to ours, until
 * both outputs end (every holder of the write ends has closed them: the
 * process and any child it left behind, as with docker). Input stops when the
 * process exits. Output is written synchronously, so a slow reader of ours
 * holds the process back (back-pressure) instead of filling our memory.
 *
 * Bun's own pipe streams (polled, non-blocking) are used rather than node's
 * fs streams: those read in the thread pool, which has one thread per core,
 * and two blocked output reads would leave none for the input.
 */
export async function relayStdio(pipes: StdioPipes, exited: Promise<unknown>): Promise<void> {
  const { child, ours } = pipes;
  // Only the process's copies may remain, or the outputs would never end.
  for (const fd of [child.stdin, child.stdout, child.stderr]) close(fd);
  const stopInput = ours.stdin >= 0 ? relayInput(ours.stdin) : () => {};
  const outputs = Promise.all([relayOutput(ours.stdout, 1), relayOutput(ours.stderr, 2)]);
  await exited;
  stopInput();
  await outputs;
}

/** Our stdin into the pipe, its end closing the pipe (EOF for the process); returns the function that stops it. */
function relayInput(fd: number): () => void {
  const input = Bun.stdin.stream().getReader();
  const sink = Bun.file(fd).writer({ highWaterMark: 65536 });
  (async () => {
    try {
      for (let r = await input.read(); !r.done; r = await input.read()) {
        // Back-pressure: no more of our stdin until the pipe has taken this. A failed write
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

async function relayOutput(fd: number, to: 1 | 2): Promise<void> {
  try {
    for await (const chunk of Bun.file(fd).stream()) writeOutput(to, chunk);
  } finally {
    close(fd);
  }
}
