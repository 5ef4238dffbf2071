// `container prune`: removes every container that is not running, paused or restarting
// (of those its filters accept: until=TIME, label=K[=V], label!=K[=V], as docker's prune).
import { contentSize } from "../lib/disk-usage.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import type { Filters } from "../lib/filters.ts";
import { parseLogTime } from "./log-time.ts";
import { removeContainer } from "./remove-container.ts";
import { refreshState } from "./start-container.ts";
import { canRemove } from "./state.ts";

export const PRUNE_FILTER_KEYS = ["until", "label", "label!"] as const;

/** Which containers F lets prune remove. */
function pruneFilter(f: Filters): (c: ContainerRecord) => boolean {
  const until = f.values("until").map((v) => parseLogTime(v, "until") / 1_000_000n);
  return (c) => until.every((t) => BigInt(Date.parse(c.Created)) < t) && f.labels(c.Config.Labels) && f.notLabels(c.Config.Labels);
}

export function pruneContainers(engine: Engine, filters?: Filters): { ids: string[]; reclaimed: number } {
  const ids: string[] = [];
  let reclaimed = 0;
  const accepts = filters ? pruneFilter(filters) : () => true;
  for (const c of engine.containers.list().map((r) => refreshState(engine, r))) {
    if (!canRemove(c.State, false) || !accepts(c)) continue;
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
