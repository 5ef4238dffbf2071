// Cross-process locks: flock(2) on a file per store, so many CLI invocations
// at once stay consistent. The kernel drops a lock when its holder dies, so a
// crash never leaves a stale lock behind.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { close, flock, LOCK_EX, LOCK_NB, LOCK_SH, O_CLOEXEC, O_CREAT, O_RDWR, open } from "../../ffi/native.ts";
import { makeDir } from "./modes.ts";

export interface LockOptions {
  /** Create the lock file's directory if missing (false for locks that live inside an object's own directory). */
  createDir?: boolean;
  /** The exact mode of a directory it creates (see modes.ts); without it, 0777 less the umask. */
  dirMode?: number;
}

function openLockFile(path: string, { createDir = true, dirMode }: LockOptions = {}): number {
  try {
    return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600);
  } catch (e) {
    if (!createDir || (e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    if (dirMode === undefined) mkdirSync(dirname(path), { recursive: true });
    else makeDir(dirname(path), dirMode);
    return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600);
  }
}

function acquire(path: string, shared: boolean, options?: LockOptions): number {
  const fd = openLockFile(path, options);
  flock(fd, shared ? LOCK_SH : LOCK_EX);
  return fd;
}

/** Runs fn while holding an exclusive lock on PATH. Keep fn short: never hold a lock across a download. */
export function withLock<T>(path: string, fn: () => T, options?: LockOptions): T {
  const fd = acquire(path, false, options);
  try {
    return fn();
  } finally {
    close(fd); // closing the only fd releases the flock
  }
}

/**
 * Like withLock, for work that may as well be left undone: if another holds the
 * lock, fn is not run and undefined is returned at once, rather than waiting.
 */
export function withLockIfFree<T>(path: string, fn: () => T, options?: LockOptions): T | undefined {
  const fd = openLockFile(path, options);
  try {
    try {
      flock(fd, LOCK_EX | LOCK_NB);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") return undefined;
      throw e;
    }
    return fn();
  } finally {
    close(fd);
  }
}

/** Like withLock, for async work: the lock is held until FN's promise settles. */
export async function withLockAsync<T>(path: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  return holdAsync(acquire(path, false, options), fn);
}

export function withSharedLock<T>(path: string, fn: () => T): T {
  const fd = acquire(path, true);
  try {
    return fn();
  } finally {
    close(fd);
  }
}

/** Shared with other holders of the shared lock, exclusive of withLock's: e.g. many builds using a cache that a prune deletes. */
export function withSharedLockAsync<T>(path: string, fn: () => Promise<T>): Promise<T> {
  return holdAsync(acquire(path, true), fn);
}

async function holdAsync<T>(fd: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    close(fd);
  }
}
