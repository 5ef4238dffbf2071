// `info`: what docker's Info object says about the host and the store, with its field names.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { BUILD_INFO } from "../build-info.ts";
import { type CgroupHierarchy, hostCgroups } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { refreshState } from "./start-container.ts";
import { filesystemType, storageDriver } from "./storage-driver.ts";

/** docker's names for backing filesystems (graphdriver's FsNames). */
const FS_NAMES: Record<string, string> = { ext2: "extfs", ext3: "extfs", ext4: "extfs", xfs: "xfs", btrfs: "btrfs", tmpfs: "tmpfs", overlay: "overlayfs", zfs: "zfs" };

function osRelease(field: string, fallback: string): string {
  try {
    return readFileSync("/etc/os-release", "utf8").match(new RegExp(`^${field}="?([^"\\n]*)"?$`, "m"))?.[1] ?? fallback;
  } catch {
    return fallback;
  }
}

const readText = (path: string) => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
};

/** What the host's cgroups let a container be limited in (docker's MemoryLimit, CpuCfsQuota, …). */
function cgroupFeatures(hierarchies: CgroupHierarchy[]) {
  const v2 = hierarchies.find((h) => h.version === 2);
  const has = (c: string) => (v2 ? readText(`${v2.mountPoint}/cgroup.controllers`).split(" ").includes(c) : hierarchies.some((h) => h.controllers.includes(c)));
  const v1File = (c: string, file: string) => hierarchies.some((h) => h.controllers.includes(c) && existsSync(`${h.mountPoint}/${file}`));
  return {
    MemoryLimit: has("memory"),
    SwapLimit: v2 ? has("memory") : v1File("memory", "memory.memsw.limit_in_bytes"),
    CpuCfsPeriod: has("cpu"),
    CpuCfsQuota: has("cpu"),
    CPUShares: has("cpu"),
    CPUSet: has("cpuset"),
    PidsLimit: has("pids"),
    OomKillDisable: !v2 && v1File("memory", "memory.oom_control"),
  };
}

export function systemInfo(engine: Engine) {
  const containers = engine.containers.list().map((c) => refreshState(engine, c));
  const count = (status: string) => containers.filter((c) => c.State.Status === status).length;
  const root = engine.dirs.root;
  const fs = filesystemType(root);
  const cgroups = hostCgroups();
  const cgroupV2 = cgroups.some((h) => h.version === 2);
  // Every field of docker 28's Info, in its order; where bunker has no such part (swarm, containerd) the value says so.
  return {
    ID: "",
    Containers: containers.length,
    ContainersRunning: count("running"),
    ContainersPaused: count("paused"),
    ContainersStopped: containers.length - count("running") - count("paused"),
    Images: engine.images.list().length,
    Driver: storageDriver(root),
    DriverStatus: [["Backing Filesystem", FS_NAMES[fs] ?? fs]],
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Authorization: null, Log: ["json-file", "none"] }, // the network drivers, as docker names them
    ...cgroupFeatures(cgroups),
    IPv4Forwarding: readText("/proc/sys/net/ipv4/ip_forward") === "1",
    Debug: Boolean(process.env.BUNKER_DEBUG),
    NFd: readdirSync("/proc/self/fd").length,
    NGoroutines: 0, // no goroutines: one JS thread serves
    SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: cgroupV2 ? "2" : "1",
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: osRelease("PRETTY_NAME", "Linux"),
    OSVersion: osRelease("VERSION_ID", ""),
    OSType: "linux",
    Architecture: process.arch === "x64" ? "x86_64" : process.arch,
    IndexServerAddress: "https://index.docker.io/v1/",
    RegistryConfig: {
      InsecureRegistryCIDRs: ["::1/128", "127.0.0.0/8"],
      IndexConfigs: { "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    },
    NCPU: cpus().length,
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: root,
    HttpProxy: process.env.HTTP_PROXY ?? process.env.http_proxy ?? "",
    HttpsProxy: process.env.HTTPS_PROXY ?? process.env.https_proxy ?? "",
    NoProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? "",
    Name: hostname(),
    Labels: [] as string[],
    ExperimentalBuild: false,
    ServerVersion: BUILD_INFO.version,
    // The runtime is built in (bunker runtime, runc's command line): containers start through no other binary.
    Runtimes: { bunker: { path: process.execPath } },
    DefaultRuntime: "bunker",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: true, // containers are owned by their monitors and outlive every bunker process
    Isolation: "",
    InitBinary: "", // --init runs bunker's own monitor, not a separate docker-init
    ContainerdCommit: { ID: "" },
    RuncCommit: { ID: "" },
    InitCommit: { ID: "" },
    // Seccomp filters are installed by bunker's own compiler (runtime/seccomp): docker's default profile unless told otherwise.
    SecurityOptions: readFileSync("/proc/self/status", "utf8").includes("Seccomp:") ? ["name=seccomp,profile=builtin"] : [],
    FirewallBackend: { Driver: "nftables" },
    CDISpecDirs: [] as string[],
    Warnings: [] as string[],
  };
}

export type SystemInfo = ReturnType<typeof systemInfo>;
