// `container cleanup ID`: what a monitor runs when its container exits with
// nobody attached to finish the job (podman's `container cleanup`): record the
// exit, then --rm, or a restart when the policy says so.
import { NotFoundError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { removeContainer } from "./remove-container.ts";
import { restartDelayMs } from "./restart-policy.ts";
import { settledState, startContainer } from "./start-container.ts";

export async function cleanupContainer(engine: Engine, id: string): Promise<void> {
  try {
    const record = settledState(engine, id);
    if (record.HostConfig.AutoRemove && record.State.Status === "exited") {
      removeContainer(engine, id, { force: true, volumes: true });
      return;
    }
    if (record.State.Status !== "restarting") return;
    await Bun.sleep(restartDelayMs(record));
    // A stop, start or rm meanwhile calls the restart off: startContainer checks under the lock.
    await startContainer(engine, id, { attach: false, interactive: false, restart: true });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e; // removed meanwhile
  }
}
