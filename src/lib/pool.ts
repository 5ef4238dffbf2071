// Bounded concurrency for independent async jobs (e.g. ingesting the layers of an archive).

/**
 * Runs fn over items, at most `limit` at once. After a failure no new item starts, and the first
 * error is thrown once the running ones have settled, so the caller can clean up all they made.
 */
export async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}
