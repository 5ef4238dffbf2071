// One event, in the shape of moby's api/types/events.Message: what
// `docker events --format '{{json .}}'` prints and what /events streams.
// status, id and from are docker's deprecated copies (container and image
// events only); timeNano is kept as a bigint, as it needs 19 digits.

export type EventType = "container" | "image" | "network" | "volume" | "builder" | "daemon";

export const EVENT_TYPES: readonly EventType[] = ["container", "image", "network", "volume", "builder", "daemon"];

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: "local";
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch. */
  timeNano: bigint;
}

// The wall clock at start-up plus the monotonic clock since: nanosecond steps that never go backwards within a process.
const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** The current time in nanoseconds since the epoch. */
export function nowNano(): bigint {
  return origin + process.hrtime.bigint();
}

/** A new event, with docker's deprecated fields filled in as its daemon does (events.Log). */
export function makeEvent(Type: EventType, Action: string, ID: string, Attributes: Record<string, string> = {}, timeNano = nowNano()): EventMessage {
  const e: EventMessage = { Type, Action, Actor: { ID, Attributes }, scope: "local", time: Number(timeNano / 1_000_000_000n), timeNano };
  return withDeprecatedFields(e);
}

function withDeprecatedFields(e: EventMessage): EventMessage {
  if (e.Type !== "container" && e.Type !== "image") return e;
  const { Type, Action, Actor, scope, time, timeNano } = e;
  const from = Type === "container" ? Actor.Attributes.image : undefined;
  return { status: Action, id: Actor.ID, ...(from !== undefined ? { from } : {}), Type, Action, Actor, scope, time, timeNano };
}

// Bun has JSON.rawJSON (TC39 "JSON.parse source text access"); TypeScript's lib does not know it yet.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** What JSON.stringify turns into Go's encoding of the message: its field order, Attributes sorted (a Go map), timeNano an exact integer. */
export function wireEvent(e: EventMessage): object {
  const Attributes = Object.fromEntries(Object.keys(e.Actor.Attributes).sort().map((k) => [k, e.Actor.Attributes[k]]));
  return { ...e, Actor: { ID: e.Actor.ID, Attributes }, timeNano: rawJSON(String(e.timeNano)) };
}

export function encodeEvent(e: EventMessage): string {
  return JSON.stringify(wireEvent(e));
}

/**
 * One journal line back into an event; undefined for anything else (a torn
 * line, corruption). The monitor writes only Type, Action, Actor, scope, time
 * and timeNano: the deprecated fields are filled in here.
 */
export function decodeEvent(line: string): EventMessage | undefined {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(line, (key, value, ctx?: { source?: string }) => (key === "timeNano" && ctx?.source ? BigInt(ctx.source) : value));
  } catch {
    return undefined;
  }
  const actor = raw?.Actor as EventActor | undefined;
  if (typeof raw?.Type !== "string" || typeof raw.Action !== "string" || typeof actor?.ID !== "string" || typeof raw.timeNano !== "bigint") return undefined;
  const attributes = actor.Attributes && typeof actor.Attributes === "object" ? actor.Attributes : {};
  return makeEvent(raw.Type as EventType, raw.Action, actor.ID, attributes, raw.timeNano);
}
