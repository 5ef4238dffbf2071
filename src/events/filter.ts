// docker's event filters (moby daemon/events/filter.go): values of one key
// are alternatives, different keys must all hold, every label must hold.
// container, network and volume match the actor's ID by prefix or its name
// attribute, whatever the event's type: so container=web leaves out the
// events of images, networks and volumes, as docker's does.
import type { Filters } from "../lib/filters.ts";
import type { EventMessage } from "./event.ts";

/** The keys `events --filter` and /events accept; daemon, and swarm's, are accepted and match nothing of ours. */
export const EVENT_FILTER_KEYS = ["container", "event", "image", "label", "network", "type", "volume", "daemon", "scope", "plugin", "node", "service", "secret", "config"] as const;

export type EventFilters = Partial<Record<string, string[]>>;

/** Exact match of any source against any value; an absent key passes. */
function exact(values: string[] | undefined, ...sources: string[]): boolean {
  return values === undefined || values.some((v) => sources.includes(v));
}

/** docker's FuzzyMatch: a value equal to the source or a prefix of it. */
function fuzzy(values: string[] | undefined, source: string): boolean {
  return values === undefined || values.some((v) => v === source || source.startsWith(v));
}

/** An actor of that kind named by ID (prefix) or name; an absent key passes. */
function actorNamed(f: EventFilters, kind: string, e: EventMessage): boolean {
  if (f[kind] === undefined) return true;
  return fuzzy(f[kind], e.Actor.ID) || fuzzy(f[kind], e.Actor.Attributes.name ?? "");
}

/** An image reference without its tag ("busybox:1" → "busybox"), as docker's stripTag; a digest or an ID stays. */
function stripTag(ref: string): string {
  if (ref.includes("@") || ref.startsWith("sha256:")) return ref;
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? ref.slice(0, colon) : ref;
}

function imageMatches(values: string[] | undefined, e: EventMessage): boolean {
  const name = (e.Type === "image" ? e.Actor.Attributes.name : e.Actor.Attributes.image) ?? "";
  return exact(values, e.Actor.ID, name, stripTag(e.Actor.ID), stripTag(name));
}

/** "exec_create: sh -c …" is matched by "exec_create" too (docker #25798). */
function eventMatches(values: string[] | undefined, action: string): boolean {
  if (values === undefined) return true;
  const prefixed = values.some((v) => ["health_status", "exec_create", "exec_start"].includes(v));
  return prefixed ? fuzzy(values, action) : values.includes(action);
}

function labelsMatch(values: string[] | undefined, attrs: Record<string, string>): boolean {
  return (values ?? []).every((want) => {
    const eq = want.indexOf("=");
    return eq < 0 ? Object.hasOwn(attrs, want) : attrs[want.slice(0, eq)] === want.slice(eq + 1);
  });
}

/** The predicate for readEvents' filter. */
export function eventFilter(f: EventFilters): (e: EventMessage) => boolean {
  return (e) =>
    eventMatches(f.event, e.Action) &&
    exact(f.type, e.Type) &&
    exact(f.scope, e.scope) &&
    actorNamed(f, "container", e) &&
    actorNamed(f, "network", e) &&
    actorNamed(f, "volume", e) &&
    imageMatches(f.image, e) &&
    labelsMatch(f.label, e.Actor.Attributes);
}

/** The filters parsed from --filter or the API's filters (with EVENT_FILTER_KEYS); daemon= passes everything: there is one. */
export function eventFilters(parsed: Filters): EventFilters {
  return Object.fromEntries(EVENT_FILTER_KEYS.filter((k) => parsed.has(k) && k !== "daemon").map((k) => [k, parsed.values(k)]));
}
