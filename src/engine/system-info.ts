// `info`: what docker's Info object says about the host and the store, with its field names.
import { readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { BUILD_INFO } from "../build-info.ts";
import { hostCgroups } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { refreshState } from "./start-container.ts";
import { filesystemType, storageDriver } from "./storage-driver.ts";

/** docker's names for backing filesystems (graphdriver's FsNames). */
const FS_NAMES: Record<string, string> = { ext2: "extfs", ext3: "extfs", ext4: "extfs", xfs: "xfs", btrfs: "btrfs", tmpfs: "tmpfs", overlay: "overlayfs", zfs: "zfs" };

function osName(): string {
  try {
    return readFileSync("/etc/os-release", "utf8").match(/^PRETTY_NAME="?([^"\n]*)"?$/m)?.[1] ?? "Linux";
  } catch {
    return "Linux";
  }
}

export function systemInfo(engine: Engine) {
  const containers = engine.containers.list().map((c) => refreshState(engine, c));
  const count = (status: string) => containers.filter((c) => c.State.Status === status).length;
  const root = engine.dirs.root;
  const fs = filesystemType(root);
  const cgroupV2 = hostCgroups().some((h) => h.version === 2);
  return {
    ID: "",
    Containers: containers.length,
    ContainersRunning: count("running"),
    ContainersPaused: count("paused"),
    ContainersStopped: containers.length - count("running") - count("paused"),
    Images: engine.images.list().length,
    Driver: storageDriver(root),
    DriverStatus: [["Backing Filesystem", FS_NAMES[fs] ?? fs]],
    Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Log: ["json-file", "none"] }, // the network drivers, as docker names them
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: cgroupV2 ? "2" : "1",
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSType: "linux",
    Architecture: process.arch === "x64" ? "x86_64" : process.arch,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: root,
    Name: hostname(),
    ServerVersion: BUILD_INFO.version,
    // Seccomp filters are installed by bunker's own compiler (runtime/seccomp): docker's default profile unless told otherwise.
    SecurityOptions: readFileSync("/proc/self/status", "utf8").includes("Seccomp:") ? ["name=seccomp,profile=builtin"] : [],
    Warnings: [] as string[],
  };
}

export type SystemInfo = ReturnType<typeof systemInfo>;
