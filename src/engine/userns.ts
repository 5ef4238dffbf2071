// User namespaces: --userns, --uidmap and --gidmap (podman's flags), from
// flags to HostConfig (create) and from HostConfig to the runtime spec.
//
// --userns=host (or no flag) is the default: the container shares the host's
// ids, as under Docker without userns-remap. --uidmap CONTAINER:HOST:SIZE
// (repeatable, like podman) gives it a private user namespace instead, where
// container root is HOST on the host. The rootfs stays readable and owned by
// container root through idmapped lower layers (see spawn_userns in
// ffi/native.c); the upper and work dirs are chowned at create time.
import { chownSync } from "node:fs";
import { BunkerError } from "../lib/errors.ts";
import type { IdMapping, RuntimeSpec } from "../runtime/spec.ts";
import type { ContainerRecord } from "./container-store.ts";

export interface UsernsFlags {
  userns?: string;
  uidmap: string[];
  gidmap: string[];
}

export type UsernsConfig = Pick<ContainerRecord["HostConfig"], "UsernsMode" | "UidMap" | "GidMap">;

const MAX_ID = 2 ** 32 - 1; // (uid_t)-1 is never a valid id
const MAX_LINES = 340; // the kernel's limit on uid_map lines (since 4.15)

/** One CONTAINER_ID:HOST_ID:SIZE. */
export function parseIdMap(text: string, flag: string): IdMapping {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m) throw new BunkerError(`invalid ${flag} "${text}": use CONTAINER_ID:HOST_ID:SIZE`);
  const [containerID, hostID, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (size === 0) throw new BunkerError(`invalid ${flag} "${text}": the size must be at least 1`);
  if (containerID + size > MAX_ID || hostID + size > MAX_ID) throw new BunkerError(`invalid ${flag} "${text}": ids must stay below ${MAX_ID}`);
  return { containerID, hostID, size };
}

/** The kernel refuses a map whose ranges overlap inside or outside; say which two. */
function checkOverlaps(maps: IdMapping[], flag: string): void {
  if (maps.length > MAX_LINES) throw new BunkerError(`too many ${flag} ranges: at most ${MAX_LINES}`);
  const show = (m: IdMapping) => `${m.containerID}:${m.hostID}:${m.size}`;
  for (let i = 0; i < maps.length; i++)
    for (let j = i + 1; j < maps.length; j++) {
      const [a, b] = [maps[i], maps[j]];
      const overlap = (x: number, y: number) => x < y + b.size && y < x + a.size;
      if (overlap(a.containerID, b.containerID) || overlap(a.hostID, b.hostID))
        throw new BunkerError(`invalid ${flag}: "${show(a)}" and "${show(b)}" overlap`);
    }
}

/** The HostConfig fields for --userns/--uidmap/--gidmap, checked so that a bad value fails before any pull. */
export function usernsConfig(f: UsernsFlags): UsernsConfig {
  const uid = f.uidmap.map((t) => parseIdMap(t, "--uidmap"));
  const gid = f.gidmap.map((t) => parseIdMap(t, "--gidmap"));
  return checkUserns({ UsernsMode: f.userns ?? "", UidMap: uid.length > 0 ? uid : null, GidMap: gid.length > 0 ? gid : null });
}

/** The create body's user namespace fields, checked as the kernel will take them. */
export function checkUserns(hc: Partial<{ [K in keyof UsernsConfig]: UsernsConfig[K] | null }>): UsernsConfig {
  const mode = hc.UsernsMode ?? "";
  const uidmap = hc.UidMap ?? [];
  const gidmap = hc.GidMap ?? [];
  if (mode !== "" && mode !== "host")
    throw new BunkerError(`invalid --userns "${mode}": only "host" is supported; use --uidmap and --gidmap for a private user namespace`);
  if (uidmap.length === 0 && gidmap.length === 0) return { UsernsMode: mode, UidMap: null, GidMap: null };
  if (mode === "host") throw new BunkerError("--userns host conflicts with --uidmap/--gidmap");
  if (uidmap.length === 0) throw new BunkerError("--gidmap needs --uidmap as well");
  const show = (m: IdMapping) => `${m.containerID}:${m.hostID}:${m.size}`;
  for (const m of uidmap) parseIdMap(show(m), "--uidmap");
  for (const m of gidmap) parseIdMap(show(m), "--gidmap");
  // As in podman, the gid map defaults to the uid map.
  const uid = uidmap;
  const gid = gidmap.length > 0 ? gidmap : uid;
  checkOverlaps(uid, "--uidmap");
  checkOverlaps(gid, "--gidmap");
  // The runtime sets the container up as root of the namespace, so that root must exist.
  if (hostId(uid, 0) === undefined) throw new BunkerError("--uidmap must map container uid 0");
  if (hostId(gid, 0) === undefined) throw new BunkerError("--gidmap must map container gid 0");
  return { UsernsMode: "", UidMap: uid, GidMap: gid };
}

/** The host id that container id ID maps to, if any. */
export function hostId(maps: IdMapping[], id: number): number | undefined {
  const m = maps.find((r) => id >= r.containerID && id < r.containerID + r.size);
  return m ? m.hostID + (id - m.containerID) : undefined;
}

/**
 * Makes the container's own writable files belong to its root: the overlay's
 * upper dir (whose root is the container's "/") and work dir, and the
 * /etc/hostname, hosts and resolv.conf it gets bind-mounted. Unmapped, they
 * would show as nobody and root inside could not write to them.
 */
export function chownForUserns(hc: UsernsConfig, paths: string[]): void {
  if (!hc.UidMap || !hc.GidMap) return;
  const uid = hostId(hc.UidMap, 0);
  const gid = hostId(hc.GidMap, 0);
  if (uid === undefined || gid === undefined) return; // no root inside: nothing of its own to own
  for (const p of paths) chownSync(p, uid, gid);
}

/** Adds the user namespace and its maps to the spec (nothing for --userns host). */
export function applyUserns(spec: RuntimeSpec, hc: UsernsConfig): void {
  if (!hc.UidMap || !hc.GidMap) return;
  spec.linux.namespaces.push({ type: "user" });
  spec.linux.uidMappings = hc.UidMap;
  spec.linux.gidMappings = hc.GidMap;
}
