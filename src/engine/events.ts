// The engine's events, in docker's attributes (moby daemon/events.go,
// daemon/network.go, volume/service): one journal append per event
// (src/events/journal.ts). The container's `die` is the monitor's to write
// (dieAttributes).
import { emit } from "../events/journal.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";

/** A container's attributes: its labels, then image and name, as docker's LogContainerEventWithAttributes. */
export function containerAttributes(r: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
  return { ...r.Config.Labels, image: r.Config.Image, name: r.Name.slice(1), ...extra };
}

export function containerEvent(engine: Engine, r: ContainerRecord, action: string, extra?: Record<string, string>): void {
  emit(engine.dirs.root, "container", action, r.Id, containerAttributes(r, extra));
}

/** What the monitor writes in its `die` event beside exitCode: the whole line stays under the journal's line bound, so labels go first when it would not. */
export function dieAttributes(r: ContainerRecord): string {
  const text = JSON.stringify(containerAttributes(r));
  return text.length <= 3000 ? text : JSON.stringify({ image: r.Config.Image, name: r.Name.slice(1) });
}

/** An image event: ID is the image's ID (or the reference pulled or pushed), name the reference it concerns. */
export function imageEvent(engine: Engine, action: string, id: string, name: string, labels?: Record<string, string> | null): void {
  emit(engine.dirs.root, "image", action, id, { ...labels, name });
}

const networkType = (name: string, driver = "bridge") => (name === "none" ? "null" : name === "host" ? "host" : driver);

export function networkEvent(engine: Engine, action: string, network: { Id: string; Name: string; Driver?: string }, container?: string): void {
  emit(engine.dirs.root, "network", action, network.Id, { ...(container ? { container } : {}), name: network.Name, type: networkType(network.Name, network.Driver) });
}

/** A run begins: its volumes are mounted and its networks joined, then it starts (docker's order). */
export function runStarted(engine: Engine, r: ContainerRecord): void {
  for (const m of r.Mounts) {
    if (m.Type !== "volume" || !m.Name) continue;
    emit(engine.dirs.root, "volume", "mount", m.Name, { container: r.Id, destination: m.Destination, driver: m.Driver ?? "local", propagation: m.Propagation, "read/write": String(m.RW) });
  }
  for (const [name, ep] of Object.entries(r.NetworkSettings?.Networks ?? {})) networkEvent(engine, "connect", { Id: ep.NetworkID || name, Name: name }, r.Id);
  containerEvent(engine, r, "start");
}

/** A run has ended and is recorded (its `die` came from the monitor): networks left, volumes unmounted. */
export function runEnded(engine: Engine, r: ContainerRecord): void {
  for (const [name, ep] of Object.entries(r.NetworkSettings?.Networks ?? {})) networkEvent(engine, "disconnect", { Id: ep.NetworkID || name, Name: name }, r.Id);
  for (const m of r.Mounts) if (m.Type === "volume" && m.Name) emit(engine.dirs.root, "volume", "unmount", m.Name, { container: r.Id, driver: m.Driver ?? "local" });
}
