// Waiting for a condition on files without polling: it is checked again
// whenever something in `dir` changes (and once at the start).
import { watch } from "node:fs";

export function watchUntil(dir: string, done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (!done()) return;
      watcher.close();
      resolve();
    });
    if (done()) {
      watcher.close();
      resolve();
    }
  });
}
