// Container record + image -> OCI runtime spec, with Docker's defaults for
// mounts, devices, masked and read-only paths.
import { DEFAULT_PATH, LAYERS_MAPPED_ANNOTATION, OVERLAY_ANNOTATION, ROOT_COPY_ANNOTATION } from "../runtime/program.ts";
import type { DeviceRule, LinuxResources, RuntimeSpec, SpecMount } from "../runtime/spec.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { initLayer } from "./init-layer.ts";
import { tmpfsOptions } from "./mount-spec.ts";
import { cleanPath, pathDepth } from "./volume-spec.ts";
import { chownedLayers, idmappedLayersSupported } from "./userns-chown.ts";
import { readLayeredFile } from "./layer-files.ts";
import { DEFAULT_SHM_SIZE, hostDevice, hostDevices } from "./resources.ts";
import { applySecurity } from "./security.ts";
import { applyUserns } from "./userns.ts";
import { resolveUser } from "./user.ts";

const DEFAULT_MOUNTS: SpecMount[] = [
  { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  // The container's own cgroup, as runc shows it (src/runtime/cgroupfs.ts).
  { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro", "nosuid", "noexec", "nodev"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
];

/** /dev/shm, sized by --shm-size (64 MiB unless given). */
function shmMount(size: number): SpecMount {
  return { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", `size=${size}`] };
}

/** A --tmpfs or --mount type=tmpfs: OPTS as the mount takes them ("size=…,mode=…"). */
function tmpfsMount(destination: string, opts: string): SpecMount {
  return { destination, type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", ...(opts ? opts.split(",") : [])] };
}

const DEVICES = [
  { path: "/dev/null", type: "c" as const, major: 1, minor: 3, fileMode: 0o666 },
  { path: "/dev/zero", type: "c" as const, major: 1, minor: 5, fileMode: 0o666 },
  { path: "/dev/full", type: "c" as const, major: 1, minor: 7, fileMode: 0o666 },
  { path: "/dev/random", type: "c" as const, major: 1, minor: 8, fileMode: 0o666 },
  { path: "/dev/urandom", type: "c" as const, major: 1, minor: 9, fileMode: 0o666 },
  { path: "/dev/tty", type: "c" as const, major: 5, minor: 0, fileMode: 0o666 },
];

const allow = (type: "c" | "b", major?: number, minor?: number, access = "rwm"): DeviceRule => ({ allow: true, type, major, minor, access });

/**
 * The device cgroup: deny everything, then Docker's list (moby's
 * oci/defaults.go, which also denies /dev/fuse by name), then what runc
 * appends for every container: mknod of any node (opening one is what the
 * rules guard), the ptys, /dev/full and /dev/net/tun.
 */
export const DEVICE_RULES: DeviceRule[] = [
  { allow: false, access: "rwm" },
  allow("c", 1, 5),
  allow("c", 1, 3),
  allow("c", 1, 9),
  allow("c", 1, 8),
  allow("c", 5, 0),
  allow("c", 5, 1),
  { allow: false, type: "c", major: 10, minor: 229, access: "rwm" },
  allow("c", undefined, undefined, "m"),
  allow("b", undefined, undefined, "m"),
  allow("c", 1, 7),
  allow("c", 136),
  allow("c", 5, 2),
  allow("c", 10, 200),
];

const CFS_PERIOD = 100000; // µs, the kernel's default and what docker uses for --cpus

export const MASKED_PATHS = [
  "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug",
  "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware", "/sys/devices/virtual/powercap",
];
export const READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export function cgroupPath(id: string): string {
  return `bunker/${id}`;
}

/** The image's layer dirs (top first) and the read-only lowerdirs of the container's overlay (init layer on top). */
export function rootfsLayers(engine: Engine, c: ContainerRecord): { layers: string[]; lowerdirs: string[]; chowned: boolean } {
  const image = engine.images.list().find((i) => i.id === c.Image);
  const layers = (image?.layers ?? []).map((l) => engine.images.layerDiff(l)).reverse();
  const lowerdirs = [initLayer(engine.images.dir), ...layers];
  // --uidmap without idmapped layers: the container's own chowned copies (made once, kept with the container).
  const hc = c.HostConfig;
  const chowned = !!(hc.UidMap && hc.GidMap && !idmappedLayersSupported());
  return { layers, lowerdirs: chowned ? chownedLayers(engine.containers.path(c.Id), lowerdirs, hc.UidMap!, hc.GidMap!) : lowerdirs, chowned };
}

const INIT_PATH = "/sbin/docker-init";

/** `initPath`: the monitor executable, which is also docker-init (--init). */
/** `netnsPath`: an existing network namespace to join (container-network.ts), instead of a new one. */
/** `linkEnv`: the variables of --link (container-links.ts), which the container's own Env overrides. */
export function buildRuntimeSpec(engine: Engine, c: ContainerRecord, initPath = "", netnsPath?: string, linkEnv: string[] = []): RuntimeSpec {
  const dir = (...p: string[]) => engine.containers.path(c.Id, ...p);
  const { layers, lowerdirs, chowned } = rootfsLayers(engine, c);
  const stack = [dir("upper"), ...layers];

  const user = resolveUser(c.Config.User, readLayeredFile(stack, "etc/passwd"), readLayeredFile(stack, "etc/group"));
  const own = new Set(c.Config.Env.map((e) => (e.includes("=") ? e.slice(0, e.indexOf("=")) : e)));
  // A bare NAME in Config.Env (kept as dockerd keeps it) unsets NAME: the process gets no such variable.
  const env = [...linkEnv.filter((e) => !own.has(e.slice(0, e.indexOf("=")))), ...c.Config.Env.filter((e) => e.includes("="))];
  if (!env.some((e) => e.startsWith("PATH="))) env.unshift(`PATH=${DEFAULT_PATH}`);
  if (!env.some((e) => e.startsWith("HOSTNAME="))) env.splice(1, 0, `HOSTNAME=${c.Config.Hostname}`);
  if (c.Config.Tty && !env.some((e) => e.startsWith("TERM="))) env.push("TERM=xterm");
  if (!env.some((e) => e.startsWith("HOME="))) env.push(`HOME=${user.home}`);

  const etc = (name: string): SpecMount => ({ destination: `/etc/${name}`, type: "bind", source: dir(name), options: ["rbind", "rprivate"] });
  const hc = c.HostConfig;
  // Parents first, as docker sorts them (stable, so at one depth the user's mount comes last and wins):
  // a volume at /etc gets the /etc/hosts files on top, a tmpfs at /data does not hide a volume at /data/x.
  const ownMounts: SpecMount[] = [
    etc("resolv.conf"),
    etc("hostname"),
    etc("hosts"),
    ...c.Mounts.map((m) => ({ destination: m.Destination, type: "bind", source: m.Source, options: ["rbind", m.RW ? "rw" : "ro", ...(m.Propagation ? [m.Propagation] : [])] })),
    ...Object.entries(hc.Tmpfs ?? {}).map(([dest, opts]) => tmpfsMount(dest, opts)),
    ...(hc.Mounts ?? []).filter((m) => m.Type === "tmpfs").map((m) => tmpfsMount(cleanPath(m.Target), tmpfsOptions(m))),
  ];
  ownMounts.sort((a, b) => pathDepth(a.destination) - pathDepth(b.destination));
  const mounts: SpecMount[] = [...DEFAULT_MOUNTS, shmMount(hc.ShmSize || DEFAULT_SHM_SIZE), ...ownMounts];
  const init = hc.Init && initPath !== "";
  if (init) mounts.push({ destination: INIT_PATH, type: "bind", source: initPath, options: ["bind", "ro"] });

  const { nodes, rules } = deviceSetup(hc);
  const namespaces: RuntimeSpec["linux"]["namespaces"] = [{ type: "pid" }, { type: "mount" }, { type: "ipc" }, { type: "uts" }];
  if (c.HostConfig.NetworkMode !== "host") namespaces.push(netnsPath ? { type: "network", path: netnsPath } : { type: "network" });

  // Typed here rather than parsed: zod costs a cold process ~5 ms. The tests check every bundle we write against RuntimeSpecSchema.
  const spec: RuntimeSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: c.Config.Tty,
      user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
      args: init ? [INIT_PATH, "--", c.Path, ...c.Args] : [c.Path, ...c.Args],
      env,
      cwd: c.Config.WorkingDir || "/",
    },
    root: { path: dir("merged"), readonly: c.HostConfig.ReadonlyRootfs },
    hostname: c.Config.Hostname,
    domainname: c.Config.Domainname,
    mounts,
    annotations: {
      // vfs: the upper dir is a full copy of the image, bound as the root instead of an overlay (storage-driver.ts).
      ...(c.Driver === "vfs" ? { [ROOT_COPY_ANNOTATION]: dir("upper") } : { [OVERLAY_ANNOTATION]: overlayOptions(lowerdirs, dir("upper"), dir("work"), c.HostConfig.AutoRemove) }),
      ...(chowned ? { [LAYERS_MAPPED_ANNOTATION]: "true" } : {}),
    },
    linux: {
      namespaces,
      cgroupsPath: cgroupPath(c.Id),
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      devices: nodes,
      resources: linuxResources(hc, rules),
    },
  };
  // Capabilities, seccomp, no_new_privs, rlimits, OOM score; --privileged also clears the masked and
  // read-only paths and makes /sys writable (its devices are deviceSetup's).
  applySecurity(spec, c, engine.dirs.cache);
  applyUserns(spec, hc);
  return spec;
}

type HostConfig = ContainerRecord["HostConfig"];
type SpecDevice = NonNullable<RuntimeSpec["linux"]["devices"]>[number];

/** The nodes made in the container's /dev and the device cgroup's rules. */
function deviceSetup(hc: HostConfig): { nodes: SpecDevice[]; rules: DeviceRule[] } {
  // Docker's --privileged: every host node and a device cgroup that allows all; --device adds nothing then.
  if (hc.Privileged) return { nodes: hostDevices(), rules: [{ allow: true, access: "rwm" }] };
  // --device: a node made inside with the host node's numbers and mode (replacing a default one at its path), and allowed.
  const added = (hc.Devices ?? []).map((m) => ({ path: m.PathInContainer, ...hostDevice(m.PathOnHost), access: m.CgroupPermissions }));
  return {
    nodes: [
      ...DEVICES.filter((d) => !added.some((a) => a.path === d.path)),
      ...added.map(({ path, type, major, minor, fileMode }) => ({ path, type, major, minor, fileMode })),
    ],
    rules: [...DEVICE_RULES, ...added.map(({ type, major, minor, access }) => ({ allow: true, type, major, minor, access }))],
  };
}

/** HostConfig's resource fields (docker's 0, "" and null mean unset) as linux.resources; `update` writes them too. */
export function linuxResources(hc: HostConfig, deviceRules: DeviceRule[]): LinuxResources {
  const nanoCpus = hc.NanoCpus ?? 0;
  const r: LinuxResources = { devices: deviceRules };
  const memory = setFields({ limit: hc.Memory, reservation: hc.MemoryReservation, swap: hc.MemorySwap });
  if (memory) r.memory = memory;
  const cpu = setFields({
    shares: hc.CpuShares,
    quota: Math.floor((nanoCpus * CFS_PERIOD) / 1e9),
    period: nanoCpus > 0 ? CFS_PERIOD : 0,
    cpus: hc.CpusetCpus,
    mems: hc.CpusetMems,
  });
  if (cpu) r.cpu = cpu;
  if (hc.PidsLimit) r.pids = { limit: hc.PidsLimit };
  return r;
}

/** The fields that are set, or undefined when none is. */
function setFields<T extends Record<string, number | string | undefined>>(o: T): Partial<T> | undefined {
  const kept = Object.entries(o).filter(([, v]) => v !== undefined && v !== 0 && v !== "");
  return kept.length > 0 ? (Object.fromEntries(kept) as Partial<T>) : undefined;
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
