// Turns a runtime spec into the operation list that spawn.c carries out in
// the new namespaces. Pure, so the whole mount policy is unit-testable.
import { OVERLAY_ANNOTATION, type RuntimeSpec, type SpecMount } from "./spec.ts";

/** Either the container's stdio fds, or a terminal it makes in its own devpts and sends back over `consoleSocket`. */
export type Stdio = { consoleSocket: number; rows: number; cols: number } | { stdin: number; stdout: number; stderr: number };

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  REMOUNT: 32,
  NOATIME: 1024,
  BIND: 4096,
  REC: 16384,
  PRIVATE: 1 << 18,
  STRICTATIME: 1 << 24,
  RELATIME: 1 << 21,
} as const;

const FLAG_OPTIONS: Record<string, number> = {
  ro: MS.RDONLY,
  nosuid: MS.NOSUID,
  nodev: MS.NODEV,
  noexec: MS.NOEXEC,
  bind: MS.BIND,
  rbind: MS.BIND | MS.REC,
  strictatime: MS.STRICTATIME,
  relatime: MS.RELATIME,
  noatime: MS.NOATIME,
};
const IGNORED_OPTIONS = new Set(["rw", "private", "rprivate", "suid", "dev", "exec"]);

/** Splits OCI mount options into mount(2) flags and the filesystem's data string. */
export function mountFlags(options: string[] = []): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    if (o in FLAG_OPTIONS) flags |= FLAG_OPTIONS[o];
    else if (!IGNORED_OPTIONS.has(o)) data.push(o);
  }
  return { flags, data: data.join(",") };
}

export const CLONE = {
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const;

const NAMESPACE_FLAGS: Record<string, number> = {
  mount: CLONE.NEWNS,
  uts: CLONE.NEWUTS,
  ipc: CLONE.NEWIPC,
  pid: CLONE.NEWPID,
  network: CLONE.NEWNET,
  cgroup: CLONE.NEWCGROUP,
  user: CLONE.NEWUSER,
};

export function cloneFlags(spec: RuntimeSpec): number {
  let flags = 0;
  for (const ns of spec.linux.namespaces) if (!ns.path) flags |= NAMESPACE_FLAGS[ns.type];
  return flags;
}

/** Mounts whose source is a file get a file created as their mount point, not a directory. */
export type IsFile = (source: string) => boolean;

function mountOps(m: SpecMount, isFile: IsFile): string[] {
  const { flags, data } = mountFlags(m.options);
  const bind = (flags & MS.BIND) !== 0 || m.type === "bind";
  const kind = bind && m.source && isFile(m.source) ? "f" : "d";
  return ["rmount", m.source ?? "", m.destination, bind ? "" : (m.type ?? ""), String(bind ? flags | MS.BIND : flags), kind, data];
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function buildProgram(spec: RuntimeSpec, cgroupJoinFiles: string[], stdio: Stdio, isFile: IsFile): string[] {
  const ops: string[] = [];
  for (const file of cgroupJoinFiles) ops.push("cgroup", file);
  if (!("consoleSocket" in stdio)) ops.push("setsid", "stdio", String(stdio.stdin), String(stdio.stdout), String(stdio.stderr));
  ops.push("umask", String(spec.process.user.umask ?? 0o022));
  ops.push("private");
  const overlay = spec.annotations?.[OVERLAY_ANNOTATION];
  if (overlay) ops.push("mount", "overlay", spec.root.path, "overlay", "0", overlay);
  ops.push("root", spec.root.path);
  for (const m of spec.mounts ?? []) ops.push(...mountOps(m, isFile));
  for (const [link, target] of DEV_SYMLINKS) ops.push("symlink", target, link);
  ops.push("pivot");
  if ("consoleSocket" in stdio) ops.push("console", String(stdio.consoleSocket), String(stdio.rows), String(stdio.cols));
  if (spec.linux.namespaces.some((n) => n.type === "network" && !n.path)) ops.push("lo-up");
  for (const d of spec.linux.devices ?? []) ops.push("mknod", d.path, String(d.fileMode ?? 0o666), String(d.major), String(d.minor));
  for (const p of spec.linux.maskedPaths ?? []) ops.push("mask", p);
  for (const p of spec.linux.readonlyPaths ?? []) ops.push("readonly", p);
  if (spec.hostname !== undefined && spec.linux.namespaces.some((n) => n.type === "uts")) ops.push("hostname", spec.hostname);
  ops.push("mkdirp", spec.process.cwd, "chdir", spec.process.cwd);
  const { uid, gid, additionalGids = [] } = spec.process.user;
  ops.push("user", String(uid), String(gid), String(additionalGids.length), ...additionalGids.map(String));
  const env = spec.process.env ?? [];
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  ops.push("exec", path, String(spec.process.args.length), String(env.length), ...spec.process.args, ...env);
  return ops;
}

const DEV_SYMLINKS: [string, string][] = [
  ["/dev/fd", "/proc/self/fd"],
  ["/dev/stdin", "/proc/self/fd/0"],
  ["/dev/stdout", "/proc/self/fd/1"],
  ["/dev/stderr", "/proc/self/fd/2"],
  ["/dev/ptmx", "pts/ptmx"],
  ["/dev/core", "/proc/kcore"],
];
