// Waiting for a child of this process without blocking the event loop, which
// must stay free for signals and terminal I/O: SIGCHLD wakes the waiters, and
// each reaps only its own pid (never waitpid(-1), which would steal the exits
// other code waits for).
import { exitCodeOf, reap } from "../../ffi/native.ts";

const waiters = new Map<number, (status: number) => void>();
let listening = false;

function onChildExit(): void {
  for (const [pid, resolve] of waiters) {
    const status = reap(pid);
    if (status !== null) {
      waiters.delete(pid);
      resolve(status);
    }
  }
}

/** Resolves with the child's exit code (128+signal when killed). */
export function childExit(pid: number): Promise<{ code: number; signal: number }> {
  if (!listening) {
    listening = true;
    process.on("SIGCHLD", onChildExit);
  }
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30); // a signal listener alone does not keep Bun running
    const done = (status: number) => {
      clearInterval(keepAlive);
      resolve(exitCodeOf(status));
    };
    waiters.set(pid, done);
    onChildExit(); // it may have exited before the listener was there
  });
}
