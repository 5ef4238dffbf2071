// Container filters (`ps --filter`, GET /containers/json's filters): docker's keys
// over container records (moby's daemon/list.go rules).
import { DaemonError, InvalidParameterError, NotFoundError } from "../lib/errors.ts";
import type { Filters } from "../lib/filters.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { currentHealth } from "./health.ts";
import { ZERO_TIME } from "./state.ts";

export const CONTAINER_FILTER_KEYS = ["id", "name", "label", "status", "exited", "ancestor", "network", "volume", "before", "since", "health"] as const;
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];
const HEALTH = ["starting", "healthy", "unhealthy", "none"];

export interface ContainerFilter {
  /** status= lists stopped containers without -a, as docker's does. */
  all: boolean;
  accepts(c: ContainerRecord): boolean;
}

function createdOf(engine: Engine, ref: string): number {
  try {
    return Date.parse(engine.containers.load(engine.containers.resolve(ref)).Created);
  } catch (e) {
    throw e instanceof NotFoundError ? new DaemonError(e.message) : e;
  }
}

function healthOf(c: ContainerRecord): string {
  return currentHealth(c)?.Status ?? "none";
}

/** docker's network=: a network's name, or a prefix of its id. */
function inNetwork(c: ContainerRecord, value: string): boolean {
  const networks = c.NetworkSettings?.Networks ?? { [c.HostConfig.NetworkMode]: {} };
  return Object.hasOwn(networks, value) || Object.values(networks).some((n) => (n as { NetworkID?: string }).NetworkID?.startsWith(value));
}

/** F parsed with CONTAINER_FILTER_KEYS: its values checked and its references looked up once. */
export function containerFilter(engine: Engine, f: Filters): ContainerFilter {
  f.oneOf("status", STATUSES);
  f.oneOf("health", HEALTH, (v) => `Unrecognised filter value for health: ${v}`);
  const exited = f.values("exited").map((v) => {
    if (!/^[-+]?\d+$/.test(v)) throw new InvalidParameterError(`strconv.Atoi: parsing "${v}": invalid syntax`);
    return Number(v);
  });
  // An image that does not exist is no error: it is nobody's ancestor.
  const ancestors = f.values("ancestor").flatMap((ref) => engine.images.find(ref)?.id ?? []);
  const before = f.values("before").map((ref) => createdOf(engine, ref));
  const since = f.values("since").map((ref) => createdOf(engine, ref));
  return {
    all: f.has("status"),
    accepts(c) {
      const created = Date.parse(c.Created);
      return (
        f.match("id", c.Id) &&
        f.match("name", c.Name, c.Name.slice(1)) &&
        f.labels(c.Config.Labels) &&
        f.exact("status", c.State.Status) &&
        f.exact("health", healthOf(c)) &&
        (!f.has("exited") || (!c.State.Running && c.State.StartedAt !== ZERO_TIME && exited.includes(c.State.ExitCode))) &&
        (!f.has("ancestor") || ancestors.includes(c.Image)) &&
        (!f.has("network") || f.values("network").some((v) => inNetwork(c, v))) &&
        f.exact("volume", ...c.Mounts.flatMap((m) => [m.Name ?? m.Source, m.Destination])) &&
        before.every((t) => created < t) &&
        since.every((t) => created > t)
      );
    },
  };
}
