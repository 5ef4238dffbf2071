// Starting a process inside a network namespace that already exists (a
// prepared bridge namespace, or another container's): setns of a network
// namespace changes only the calling thread, and a process it starts
// inherits it. So the JS thread steps in, starts the monitor, and steps back.
import { CLONE_NEWNET, close, O_CLOEXEC, O_RDONLY, open, setns } from "../../ffi/native.ts";
import { BunkerError } from "../lib/errors.ts";

export function inNetworkNamespace<T>(path: string | undefined, fn: () => T): T {
  if (!path) return fn();
  let there: number;
  try {
    there = open(path, O_RDONLY | O_CLOEXEC);
  } catch {
    throw new BunkerError(`cannot join network namespace ${path}: it is gone (its container stopped?)`);
  }
  const here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  try {
    setns(there, CLONE_NEWNET);
    try {
      return fn();
    } finally {
      setns(here, CLONE_NEWNET);
    }
  } finally {
    close(there);
    close(here);
  }
}
