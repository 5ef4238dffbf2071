// Registries and the networks in front of them fail transiently (502 from a
// proxy, a reset connection); docker and containers/image retry those with
// backoff. A 4xx is an answer, not an accident, so it is never retried.
import { RegistryError, TransientError } from "./errors.ts";

/** The waits between attempts: 5 attempts in all. Tests shorten them. */
export const backoff = { delaysMs: [100, 300, 1000, 2000] };

export function maxAttempts(): number {
  return backoff.delaysMs.length + 1;
}

export function delayBefore(attempt: number): number {
  return backoff.delaysMs[Math.min(attempt, backoff.delaysMs.length) - 1] ?? 0;
}

/** Runs `fn` until it succeeds, fails with a non-transient error, or the attempts run out (the last error is thrown). */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, retry = true): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!retry || !(e instanceof TransientError)) throw e;
      if (attempt >= maxAttempts()) {
        // Say that it was retried; and as a plain RegistryError, an outer loop does not retry it all again.
        throw new RegistryError(`${e.message} (after ${attempt} attempts)`, { status: e.status, exitCode: e.exitCode, cause: e });
      }
      await Bun.sleep(delayBefore(attempt));
    }
  }
}
