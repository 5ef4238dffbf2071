// Container record + image -> OCI runtime spec, with Docker's defaults for
// mounts, devices, masked and read-only paths.
import { DEFAULT_PATH } from "../runtime/program.ts";
import { OVERLAY_ANNOTATION, type RuntimeSpec, type SpecMount } from "../runtime/spec.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { initLayer } from "./init-layer.ts";
import { readLayeredFile } from "./layer-files.ts";
import { resolveUser } from "./user.ts";

const DEFAULT_MOUNTS: SpecMount[] = [
  { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"] },
];

const DEVICES = [
  { path: "/dev/null", type: "c" as const, major: 1, minor: 3, fileMode: 0o666 },
  { path: "/dev/zero", type: "c" as const, major: 1, minor: 5, fileMode: 0o666 },
  { path: "/dev/full", type: "c" as const, major: 1, minor: 7, fileMode: 0o666 },
  { path: "/dev/random", type: "c" as const, major: 1, minor: 8, fileMode: 0o666 },
  { path: "/dev/urandom", type: "c" as const, major: 1, minor: 9, fileMode: 0o666 },
  { path: "/dev/tty", type: "c" as const, major: 5, minor: 0, fileMode: 0o666 },
];

export const MASKED_PATHS = [
  "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
  "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap",
];
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export function cgroupPath(id: string): string {
  return `bunker/${id}`;
}

export function buildRuntimeSpec(engine: Engine, c: ContainerRecord): RuntimeSpec {
  const image = engine.images.list().find((i) => i.id === c.Image);
  const layers = (image?.layers ?? []).map((l) => engine.images.layerDiff(l)).reverse();
  const lowerdirs = [initLayer(engine.images.dir), ...layers];
  const dir = (...p: string[]) => engine.containers.path(c.Id, ...p);
  const stack = [dir("upper"), ...layers];

  const user = resolveUser(c.Config.User, readLayeredFile(stack, "etc/passwd"), readLayeredFile(stack, "etc/group"));
  const env = [...c.Config.Env];
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.splice(1, 0, `HOSTNAME=${c.Config.Hostname}`);
  if (c.Config.Tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);

  const etc = (name: string): SpecMount => ({ destination: `/etc/${name}`, type: "bind", source: dir(name), options: ["rbind", "rprivate"] });
  const mounts: SpecMount[] = [
    ...DEFAULT_MOUNTS,
    etc("resolv.conf"),
    etc("hostname"),
    etc("hosts"),
    ...c.Mounts.map((m) => ({ destination: m.Destination, type: "bind", source: m.Source, options: ["rbind", m.RW ? "rw" : "ro"] })),
    ...Object.entries(c.HostConfig.Tmpfs ?? {}).map(([dest, opts]) => ({
      destination: dest,
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "noexec", ...(opts ? opts.split(",") : [])],
    })),
  ];

  const namespaces: RuntimeSpec["linux"]["namespaces"] = [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }];
  if (c.HostConfig.NetworkMode !== "host") namespaces.push({ type: "network" });

  // Typed here rather than parsed: zod costs a cold process ~5 ms. The tests check every bundle we write against RuntimeSpecSchema.
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: c.Config.Tty,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: [c.Path, ...c.Args],
      env,
      cwd: c.Config.WorkingDir || "/",
    },
    root: { path: dir("merged"), readonly: c.HostConfig.ReadonlyRootfs },
    hostname: c.Config.Hostname,
    mounts,
    annotations: { [OVERLAY_ANNOTATION]: overlayOptions(lowerdirs, dir("upper"), dir("work"), c.HostConfig.AutoRemove) },
    linux: {
      namespaces,
      cgroupsPath: cgroupPath(c.Id),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      devices: DEVICES,
    },
  };
}

/**
 * A --rm container's writes are thrown away, so its overlay is "volatile":
 * the kernel then skips syncing the whole upper filesystem when the last
 * mount goes away, which otherwise stalls the container's exit behind
 * unrelated disk writes. (After a crash a volatile upper is unusable, which
 * is fine only because nothing will ever mount it again.)
 */
export function overlayOptions(lowerdirs: string[], upper: string, work: string, throwaway: boolean): string {
  return `lowerdir=${lowerdirs.join(":")},upperdir=${upper},workdir=${work}${throwaway ? ",volatile" : ""}`;
}
