// `docker update`: new resource limits for a container, kept in its record for
// later starts and, while it runs, written straight into its cgroup; a new restart policy.
import { BunkerError, ConflictError, UsageError } from "../lib/errors.ts";
import { requestCleanupOnExit } from "../runtime/attach-stream.ts";
import { updateCgroup } from "../runtime/cgroups.ts";
import type { LinuxResources } from "../runtime/spec.ts";
import type { ContainerRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { checkedResources, type ResourceConfig, type ResourceFlags } from "./resources.ts";
import type { RestartPolicy } from "./restart-policy.ts";
import { cgroupPath, linuxResources } from "./runtime-spec.ts";
import { parseRestartPolicy } from "./restart-policy.ts";
import { settledState } from "./start-container.ts";

export type UpdateFlags = Omit<ResourceFlags, "devices" | "shmSize">;
type Changes = Partial<ResourceConfig & Pick<ContainerRecord["HostConfig"], "RestartPolicy">>;

/**
 * The fields the flags change. As in docker, 0 and "" mean "leave as is",
 * except --pids-limit, where 0 and -1 mean unlimited.
 */
export function updateChanges(f: UpdateFlags): Changes {
  const v = checkedResources(f, { update: true });
  const changes: Changes = {};
  if (v.memory) changes.Memory = v.memory;
  if (v.swap) changes.MemorySwap = v.swap;
  if (v.reservation) changes.MemoryReservation = v.reservation;
  if (v.nanoCpus) changes.NanoCpus = v.nanoCpus;
  if (v.shares) changes.CpuShares = v.shares;
  if (f.cpusetCpus) changes.CpusetCpus = f.cpusetCpus;
  if (f.cpusetMems) changes.CpusetMems = f.cpusetMems;
  if (f.pidsLimit !== undefined) changes.PidsLimit = v.pids > 0 ? v.pids : null;
  return changes;
}

/** POST /containers/{id}/update's body: HostConfig's resources and RestartPolicy, as the docker CLI sends them. */
export interface UpdateBody {
  Memory?: number;
  MemorySwap?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  PidsLimit?: number | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
}

/** The body's changes, checked as the flags are (0, "" and null leave a field as it is; an empty policy name too). */
export function bodyChanges(b: UpdateBody): Changes {
  const text = (n: number | undefined) => (n ? String(n) : undefined);
  const changes = updateChanges({
    memory: text(b.Memory),
    memorySwap: text(b.MemorySwap),
    memoryReservation: text(b.MemoryReservation),
    cpus: b.NanoCpus ? String(b.NanoCpus / 1e9) : undefined,
    cpuShares: text(b.CpuShares),
    cpusetCpus: b.CpusetCpus || undefined,
    cpusetMems: b.CpusetMems || undefined,
    pidsLimit: b.PidsLimit == null ? undefined : String(b.PidsLimit),
  });
  const name = b.RestartPolicy?.Name;
  if (name) {
    const count = b.RestartPolicy?.MaximumRetryCount;
    const policy = parseRestartPolicy(count ? `${name}:${count}` : name);
    if (typeof policy === "string") throw new UsageError(policy);
    changes.RestartPolicy = policy;
  }
  return changes;
}

/** Docker's checks of an update against what the container already has (container_unix.go UpdateContainer). */
function merge(hc: ContainerRecord["HostConfig"], changes: Changes): ContainerRecord["HostConfig"] {
  if (changes.RestartPolicy && changes.RestartPolicy.Name !== "no" && hc.AutoRemove)
    throw new BunkerError("Restart policy cannot be updated because AutoRemove is enabled for the container");
  const swap = hc.MemorySwap ?? 0;
  if (changes.Memory && changes.MemorySwap === undefined && swap > 0 && changes.Memory > swap)
    throw new BunkerError("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
  if (changes.MemorySwap && changes.MemorySwap > 0 && !(changes.Memory ?? hc.Memory))
    throw new BunkerError("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (changes.RestartPolicy && changes.RestartPolicy.Name !== "no" && hc.AutoRemove)
    throw new ConflictError("Restart policy cannot be updated because AutoRemove is enabled for the container");
  const merged = { ...hc, ...changes };
  if (merged.MemorySwap > 0 && merged.MemorySwap < merged.Memory)
    throw new BunkerError("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (merged.Memory > 0 && merged.MemoryReservation > merged.Memory)
    throw new BunkerError("Minimum memory limit can not be less than memory reservation limit, see usage");
  return merged;
}

/** The cgroup writes for the resource groups the update touches: the others keep what the kernel has. */
function changedResources(hc: ContainerRecord["HostConfig"], changes: Changes): LinuxResources {
  const all = linuxResources(hc, []);
  const touched = (...keys: (keyof Changes)[]) => keys.some((k) => k in changes);
  const r: LinuxResources = {};
  if (touched("Memory", "MemorySwap", "MemoryReservation")) r.memory = all.memory;
  if (touched("NanoCpus", "CpuShares", "CpusetCpus", "CpusetMems")) r.cpu = all.cpu;
  // linuxResources leaves unlimited out (a new cgroup starts so); a running one must be told.
  if (touched("PidsLimit")) r.pids = { limit: hc.PidsLimit ?? -1 };
  return r;
}

/** Updates one container; its errors are what docker's daemon answers. */
export async function updateContainer(engine: Engine, ref: string, changes: Changes): Promise<void> {
  const id = engine.containers.resolve(ref);
  // A container found dead is recorded as exited first, so its limits are not written into a cgroup that is going.
  settledState(engine, id);
  const running = engine.containers.withLock(id, () => {
    const record = engine.containers.load(id);
    const hostConfig = merge(record.HostConfig, changes);
    // The cgroup first: a limit the kernel refuses must not be recorded as in force.
    if (record.State.Running) updateCgroup(cgroupPath(id), changedResources(hostConfig, changes));
    engine.containers.saveHostConfig(id, hostConfig);
    containerEvent(engine, record, "update");
    return record.State.Running;
  });
  // Its monitor decided at start whether to apply a policy at the exit: a policy given now must reach it.
  // (Dropping one needs nothing: `container cleanup` reads the record's policy.)
  if (running && changes.RestartPolicy && changes.RestartPolicy.Name !== "no") await requestCleanupOnExit(engine.containers.socketPath(id));
}
