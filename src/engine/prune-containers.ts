// `container prune`: removes every container that is not running, paused or restarting.
import { contentSize } from "../lib/disk-usage.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { removeContainer } from "./remove-container.ts";
import { refreshState } from "./start-container.ts";
import { canRemove } from "./state.ts";

export function pruneContainers(engine: Engine): { ids: string[]; reclaimed: number } {
  const ids: string[] = [];
  let reclaimed = 0;
  for (const c of engine.containers.list().map((r) => refreshState(engine, r))) {
    if (!canRemove(c.State, false)) continue;
    const size = contentSize(engine.containers.path(c.Id, "upper")); // docker's SizeRw: the writable layer
    try {
      removeContainer(engine, c.Id, { force: false }); // refuses one started since we looked
    } catch (e) {
      if (e instanceof NotFoundError || e instanceof BunkerError) continue; // started or removed meanwhile
      throw e;
    }
    ids.push(c.Id);
    reclaimed += size;
  }
  return { ids, reclaimed };
}
