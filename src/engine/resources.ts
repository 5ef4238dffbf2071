// --memory, --cpus, --pids-limit, --device and their kin: flag values checked
// as docker's CLI and daemon check them, then kept in HostConfig's fields.
import { type BigIntStats, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { isAbsolute, join, normalize } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import type { DeviceMapping } from "./container-create.ts";
import type { ContainerRecord } from "./container-store.ts";
import { parseBytes, parseInteger, parseNanoCpus } from "./units.ts";

/** The flags as typed; undefined when not given. */
export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string;
  shmSize?: string;
  devices: string[];
}

export type ResourceConfig = Pick<
  ContainerRecord["HostConfig"],
  "Memory" | "MemorySwap" | "MemoryReservation" | "NanoCpus" | "CpuShares" | "CpusetCpus" | "CpusetMems" | "PidsLimit" | "ShmSize" | "Devices"
>;

const MIN_MEMORY = 6 * 1024 * 1024;
export const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/** A flag's value through its parser; a refusal reads as docker's CLI words it. */
function flag<T>(name: string, value: string | undefined, parse: (v: string) => T, unset: T): T {
  if (value === undefined) return unset;
  try {
    return parse(value);
  } catch (e) {
    throw new BunkerError(`invalid argument "${value}" for "${name}" flag: ${(e as Error).message}`);
  }
}

/** The flags in HostConfig's units, as the docker CLI sends them; resourceHostConfig checks them and fills the defaults. */
export function parseResourceFlags(f: ResourceFlags): ResourceConfigInput {
  return {
    Memory: flag("-m, --memory", f.memory, parseBytes, 0),
    MemorySwap: flag("--memory-swap", f.memorySwap, (v) => (v === "-1" ? -1 : parseBytes(v)), 0),
    MemoryReservation: flag("--memory-reservation", f.memoryReservation, parseBytes, 0),
    NanoCpus: flag("--cpus", f.cpus, parseNanoCpus, 0),
    CpuShares: flag("-c, --cpu-shares", f.cpuShares, parseInteger, 0),
    CpusetCpus: f.cpusetCpus ?? "",
    CpusetMems: f.cpusetMems ?? "",
    PidsLimit: f.pidsLimit === undefined ? null : flag("--pids-limit", f.pidsLimit, parseInteger, 0),
    ShmSize: flag("--shm-size", f.shmSize, parseBytes, 0),
    Devices: f.devices.map((d) => flag("--device", d, parseDevice, null as never)),
  };
}

/** The flags, parsed and checked (what create stores). */
export const resourceConfig = (f: ResourceFlags): ResourceConfig => resourceHostConfig(parseResourceFlags(f));

/** HostConfig's resource fields as an API client may give them: any of them unset. */
export type ResourceConfigInput = Partial<{ [K in keyof ResourceConfig]: ResourceConfig[K] | null }>;

/** The create body's resources, checked as dockerd checks them, with docker's defaults. */
export function resourceHostConfig(hc: ResourceConfigInput): ResourceConfig {
  const v = checkLimits({
    memory: hc.Memory ?? 0,
    swap: hc.MemorySwap ?? 0,
    reservation: hc.MemoryReservation ?? 0,
    nanoCpus: hc.NanoCpus ?? 0,
    shares: hc.CpuShares ?? 0,
    pids: hc.PidsLimit ?? 0,
    cpusetCpus: hc.CpusetCpus ?? "",
    cpusetMems: hc.CpusetMems ?? "",
  });
  const shm = hc.ShmSize ?? 0;
  if (shm < 0) throw new BunkerError("SHM size can not be less than 0");
  const devices = (hc.Devices ?? []).map(checkDevice);
  return {
    Memory: v.memory,
    // Docker's default: swap as large as the memory limit (memory+swap twice the limit).
    MemorySwap: v.memory > 0 && v.swap === 0 ? v.memory * 2 : v.swap,
    MemoryReservation: v.reservation,
    NanoCpus: v.nanoCpus,
    CpuShares: v.shares,
    CpusetCpus: v.cpusetCpus,
    CpusetMems: v.cpusetMems,
    // 0 and -1 both mean unlimited, which docker records as null.
    PidsLimit: v.pids > 0 ? v.pids : null,
    ShmSize: shm > 0 ? shm : DEFAULT_SHM_SIZE,
    Devices: devices,
  };
}

/** The limit flags parsed (0 where not given) and checked as the daemon checks them. */
export interface CheckedResources {
  memory: number;
  swap: number;
  reservation: number;
  nanoCpus: number;
  shares: number;
  pids: number;
}

/**
 * `update` is docker's flag of the same name: an update names only the fields
 * it changes, so swap without memory is allowed there (the container's memory
 * limit stays); the update checks the result against the record itself.
 */
export function checkedResources(f: Omit<ResourceFlags, "devices" | "shmSize">, { update = false } = {}): CheckedResources {
  const { cpusetCpus: _c, cpusetMems: _m, ...v } = checkLimits(
    {
      memory: flag("-m, --memory", f.memory, parseBytes, 0),
      swap: flag("--memory-swap", f.memorySwap, (v) => (v === "-1" ? -1 : parseBytes(v)), 0),
      reservation: flag("--memory-reservation", f.memoryReservation, parseBytes, 0),
      nanoCpus: flag("--cpus", f.cpus, parseNanoCpus, 0),
      shares: flag("-c, --cpu-shares", f.cpuShares, parseInteger, 0),
      pids: flag("--pids-limit", f.pidsLimit, parseInteger, 0),
      cpusetCpus: f.cpusetCpus ?? "",
      cpusetMems: f.cpusetMems ?? "",
    },
    { update },
  );
  return v;
}

/** The daemon's checks of the limits, in its order (verifyPlatformContainerResources). */
function checkLimits<T extends CheckedResources & { cpusetCpus: string; cpusetMems: string }>(v: T, { update = false } = {}): T {
  const { memory, swap, reservation, nanoCpus } = v;
  if (memory > 0 && memory < MIN_MEMORY) throw new BunkerError("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap > 0 && swap < memory) throw new BunkerError("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (memory === 0 && swap > 0 && !update) throw new BunkerError("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (reservation > 0 && reservation < MIN_MEMORY) throw new BunkerError("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation)
    throw new BunkerError("Minimum memory limit can not be less than memory reservation limit, see usage");
  // Below 0.01 CPU the quota would be under the kernel's 1 ms minimum; docker's message names that bound too.
  const ncpu = availableParallelism();
  if (nanoCpus < 0 || nanoCpus > ncpu * 1e9 || (nanoCpus > 0 && nanoCpus < 1e7))
    throw new BunkerError(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  checkCpuset(v.cpusetCpus, "/sys/devices/system/cpu/online", "cpuset cpus", "Requested CPUs are not available");
  checkCpuset(v.cpusetMems, "/sys/devices/system/node/online", "cpuset mems", "Requested memory nodes are not available");
  return v;
}

/** A cpuset list ("0-2,4") must parse and name only CPUs or nodes the host has online. */
function checkCpuset(list: string, onlineFile: string, what: string, unavailable: string): void {
  if (list === "") return;
  const wanted = parseList(list);
  if (!wanted) throw new BunkerError(`Invalid value ${list} for ${what}`);
  // A kernel without NUMA has no node list: node 0 is all there is.
  const online = existsSync(onlineFile) ? readFileSync(onlineFile, "utf8").trim() : "0";
  const have = new Set(parseList(online) ?? []);
  if (wanted.some((n) => !have.has(n))) throw new BunkerError(`${unavailable} - requested ${list}, available: ${online}`);
}

/** The kernel's list format; null when malformed. */
export function parseList(list: string): number[] | null {
  const out: number[] = [];
  for (const part of list.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from || to - from > 65536) return null;
    for (let n = from; n <= to; n++) out.push(n);
  }
  return out;
}

/** The device mode letters: each of r, w and m at most once. */
function validDeviceMode(mode: string): boolean {
  return mode !== "" && [...mode].every((c, i) => "rwm".includes(c) && mode.indexOf(c) === i);
}

/** --device HOST[:CONTAINER][:PERMS], as the docker CLI splits it. */
export function parseDevice(spec: string): DeviceMapping {
  const parts = spec.split(":");
  if (parts.length > 3 || parts[0] === "") throw new Error(`bad format for path: ${spec}`);
  let [host, dest, perms] = [parts[0], parts[0], "rwm"];
  if (parts.length === 2) {
    if (validDeviceMode(parts[1])) perms = parts[1];
    else dest = parts[1];
  } else if (parts.length === 3) {
    if (!validDeviceMode(parts[2])) throw new Error(`bad mode specified: ${parts[2]}`);
    [dest, perms] = [parts[1], parts[2]];
  }
  if (!isAbsolute(dest)) throw new Error(`${dest} is not an absolute path`);
  return { PathOnHost: host, PathInContainer: normalize(dest), CgroupPermissions: perms };
}

/** A HostConfig.Devices entry, as dockerd checks it. */
function checkDevice(d: DeviceMapping): DeviceMapping {
  if (!isAbsolute(d.PathInContainer)) throw new BunkerError(`invalid device mapping: ${d.PathInContainer} is not an absolute path`);
  if (!validDeviceMode(d.CgroupPermissions || "rwm")) throw new BunkerError(`invalid device mode: ${d.CgroupPermissions}`);
  return { PathOnHost: d.PathOnHost, PathInContainer: normalize(d.PathInContainer), CgroupPermissions: d.CgroupPermissions || "rwm" };
}

export interface HostDevice {
  type: "c" | "b";
  major: number;
  minor: number;
  fileMode: number;
}

/** The host node behind a --device, looked up at each start as docker does (the node may change between starts). */
export function hostDevice(path: string): HostDevice {
  const fail = (reason: string) => new BunkerError(`error gathering device information while adding custom device "${path}": ${reason}`);
  let st: BigIntStats;
  try {
    st = statSync(path, { bigint: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw fail(code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : String(code));
  }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw fail("not a device node");
  // glibc's dev_t layout: major in bits 8-19 and 32-43, minor in bits 0-7 and 20-31.
  const rdev = st.rdev;
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { type: st.isBlockDevice() ? "b" : "c", major: Number(major), minor: Number(minor), fileMode: Number(st.mode & 0o7777n) };
}

// As runc's HostDevices: these hold a container's own nodes (its devpts, shm, mqueue), or nothing to copy.
const SKIPPED_DIRS = new Set(["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"]);

/**
 * Every character and block node under the host's /dev, for --privileged.
 * /dev/console and /dev/ptmx are left out: the container has its own (its
 * terminal, and the ptmx of its devpts).
 */
export function hostDevices(dir = "/dev"): (HostDevice & { path: string })[] {
  const out: (HostDevice & { path: string })[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) out.push(...hostDevices(path));
    if (!(e.isCharacterDevice() || e.isBlockDevice()) || path === "/dev/console" || path === "/dev/ptmx") continue;
    try {
      out.push({ path, ...hostDevice(path) });
    } catch {
      // Gone since the listing (hot-unplug): nothing to copy.
    }
  }
  return out;
}
