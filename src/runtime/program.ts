// Turns a runtime spec into the operation list that spawn.c carries out in
// the new namespaces. Pure, so the whole mount policy is unit-testable.
import { capabilityMask } from "./capabilities.ts";
import { isUnlimited, rlimitNumber } from "./rlimits.ts";
import type { IdMapping, RuntimeSpec, SpecMount } from "./spec.ts";

/** Annotation carrying the overlay options: the runtime mounts the rootfs inside the container's own mount namespace, so nothing leaks onto the host. */
export const OVERLAY_ANNOTATION = "io.bunker.rootfs.overlay";
/** Annotation carrying a directory that holds the whole rootfs (the vfs driver's copy): bound onto the root path instead of an overlay. */
export const ROOT_COPY_ANNOTATION = "io.bunker.rootfs.copy";
/** Set ("true") when the lower layers are copies already owned by the mapped ids, so a user namespace must not idmap them again. */
export const LAYERS_MAPPED_ANNOTATION = "io.bunker.rootfs.layers-mapped";

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
  remount: MS.REMOUNT,
  strictatime: MS.STRICTATIME,
  relatime: MS.RELATIME,
  noatime: MS.NOATIME,
};
const IGNORED_OPTIONS = new Set(["rw", "private", "rprivate", "suid", "dev", "exec"]);
/** Propagation other than private (which every mount has once "/" is made rprivate): set after pivot_root, see buildProgram. */
const PROPAGATION: Record<string, number> = {
  shared: 1 << 20,
  rshared: (1 << 20) | MS.REC,
  slave: 1 << 19,
  rslave: (1 << 19) | MS.REC,
};

/** Splits OCI mount options into mount(2) flags and the filesystem's data string. */
export function mountFlags(options: string[] = []): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options) {
    if (o in FLAG_OPTIONS) flags |= FLAG_OPTIONS[o];
    else if (!IGNORED_OPTIONS.has(o) && !(o in PROPAGATION)) data.push(o);
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

function isBind(m: SpecMount): boolean {
  return (mountFlags(m.options).flags & MS.BIND) !== 0 || m.type === "bind";
}

function mountOps(m: SpecMount, isFile: IsFile): string[] {
  const { flags, data } = mountFlags(m.options);
  const bind = isBind(m);
  const kind = bind && m.source && isFile(m.source) ? "f" : "d";
  return ["rmount", m.source ?? "", m.destination, bind ? "" : (m.type ?? ""), String(bind ? flags | MS.BIND : flags), kind, data];
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The operation list for native.c's run_program. `seccompFile` is the compiled
 * BPF program for spec.linux.seccomp ("" when there is none).
 */
export function buildProgram(spec: RuntimeSpec, cgroupJoinFiles: string[], stdio: Stdio, isFile: IsFile, seccompFile = ""): string[] {
  const ops: string[] = [];
  const userns = hasNewUserNamespace(spec);
  const overlay = spec.annotations?.[OVERLAY_ANNOTATION];
  // In a user namespace the parent joins the cgroups and builds the rootfs (native.c's spawn_userns): see usernsHeader.
  if (userns) ops.push(...usernsHeader(spec, cgroupJoinFiles, overlay ?? ""));
  else for (const file of cgroupJoinFiles) ops.push("cgroup", file);
  if (!("consoleSocket" in stdio)) ops.push("setsid", "stdio", String(stdio.stdin), String(stdio.stdout), String(stdio.stderr));
  // No fd of bunker's may reach the container's namespaces: only stdio, the error pipe and the console socket stay.
  ops.push("closefds", "consoleSocket" in stdio ? String(stdio.consoleSocket) : "-1", "nodump");
  ops.push("umask", String(spec.process.user.umask ?? 0o022));
  // Read while the host's files are reachable; installed at the end.
  if (seccompFile) ops.push("seccomp-read", seccompFile);
  ops.push("private");
  if (overlay && userns) ops.push("root-mount", spec.root.path);
  else if (overlay) ops.push("mount", "overlay", spec.root.path, "overlay", "0", overlay);
  const copy = spec.annotations?.[ROOT_COPY_ANNOTATION];
  // A bind of the copy makes the root a mount point, which pivot_root needs.
  if (copy && !userns) ops.push("mount", copy, spec.root.path, "", String(MS.BIND | MS.REC), "");
  ops.push("root", spec.root.path);
  // sysfs may only be mounted by the user namespace that owns the network namespace: a container in a user
  // namespace that joins another's (a bridge's prepared one, the host's) binds the host's /sys, as runc does.
  const ownsNetwork = spec.linux.namespaces.some((n) => n.type === "network" && !n.path);
  const sysfs = (m: SpecMount): SpecMount => (userns && !ownsNetwork && m.type === "sysfs" ? { ...m, type: "bind", source: "/sys", options: ["rbind", ...(m.options ?? [])] } : m);
  const mounts = (spec.mounts ?? []).map(sysfs);
  // mknod is refused inside a user namespace: the host's own nodes are bind-mounted instead, as runc and podman do.
  const devices = userns ? (spec.linux.devices ?? []) : [];
  if (userns) {
    // The namespace's root, which does the mounting, is "others" to the host's root-only directories (the
    // state root is 0710): the bind sources are opened now, as host root, and mounted through those fds.
    for (const m of mounts) if (m.source && isBind(m)) ops.push("hold", m.source);
    for (const d of devices) ops.push("hold", d.path);
    // From here on, root of the namespace (see native.c's op_userns_root).
    ops.push("userns-root");
  }
  for (const m of mounts) ops.push(...mountOps(m, isFile));
  // "n": the mount point may be a node or file already there, never a symlink (native.c's ensure_node_in_root).
  for (const d of devices) ops.push("rmount", d.path, d.path, "", String(MS.BIND), "n", "");
  for (const [link, target] of DEV_SYMLINKS) ops.push("symlink", target, link);
  ops.push("pivot");
  // After pivot_root a path resolves inside the container's root only, so no symlink there can reach the host.
  for (const m of spec.mounts ?? []) for (const o of m.options ?? []) if (o in PROPAGATION) ops.push("mount", "", m.destination, "", String(PROPAGATION[o]), "");
  if ("consoleSocket" in stdio) ops.push("console", String(stdio.consoleSocket), String(stdio.rows), String(stdio.cols));
  if (spec.linux.namespaces.some((n) => n.type === "network" && !n.path)) ops.push("lo-up");
  for (const d of userns ? [] : (spec.linux.devices ?? [])) {
    // native.c's mknod makes no directories, and the fresh /dev tmpfs has none: for a deeper node (/dev/net/tun)
    // the workdir op makes them, confined to the root. The real working directory is entered later.
    const parent = d.path.slice(0, d.path.lastIndexOf("/"));
    if (parent !== "" && parent !== "/dev") ops.push("workdir", parent);
    ops.push("mknod", d.path, String(deviceMode(d)), String(d.major), String(d.minor));
  }
  for (const p of spec.linux.maskedPaths ?? []) ops.push("mask", p);
  for (const p of spec.linux.readonlyPaths ?? []) ops.push("readonly", p);
  const ownUts = spec.linux.namespaces.some((n) => n.type === "uts");
  if (spec.hostname !== undefined && ownUts) ops.push("hostname", spec.hostname);
  if (spec.domainname && ownUts) ops.push("domainname", spec.domainname);
  ops.push("workdir", spec.process.cwd);
  // --read-only: the rootfs turns read-only only now, as runc does it, so that mount points and the
  // working directory could still be made in it. A bind remount changes this mount alone: /dev, /proc,
  // the tmpfs and volume mounts keep their own flags. Before the credential ops, which drop CAP_SYS_ADMIN.
  if (spec.root.readonly) ops.push("mount", "", "/", "", String(MS.REMOUNT | MS.BIND | MS.RDONLY), "");
  ops.push(...processOps(spec, seccompFile !== ""));
  return ops;
}

/** What every container process gets last, the init and exec'd ones alike: OOM score, rlimits, credentials, then execve. */
function processOps(spec: RuntimeSpec, seccomp: boolean): string[] {
  const ops: string[] = [];
  if (spec.process.oomScoreAdj !== undefined) ops.push("oom-score-adj", String(spec.process.oomScoreAdj));
  for (const r of spec.process.rlimits ?? []) ops.push("rlimit", r.type, String(rlimitNumber(r.type)), limit(r.soft), limit(r.hard));
  ops.push(...credentialOps(spec, seccomp));
  const env = spec.process.env ?? [];
  const path = env.find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  ops.push("exec", path, String(spec.process.args.length), String(env.length), ...spec.process.args, ...env);
  return ops;
}

const NAMESPACE_FILES: Record<string, string> = { user: "user", mount: "mnt", uts: "uts", ipc: "ipc", network: "net", pid: "pid", cgroup: "cgroup" };

/**
 * The /proc/PID/ns files of the namespaces the container made for itself,
 * the user namespace first: joining it gives the capabilities the others,
 * which it owns, then ask for (a joined network namespace comes before it).
 */
export function namespacePaths(spec: RuntimeSpec, pid: number): string[] {
  const own = spec.linux.namespaces.filter((n) => !n.path).map((n) => n.type);
  // A joined network namespace (launch.ts) is the init's too, entered through the init. It belongs to
  // the host's user namespace, so it is joined first, while the host's capabilities still count.
  const joined = spec.linux.namespaces.some((n) => n.type === "network" && n.path) ? ["network"] : [];
  const ordered = [...joined, ...own.filter((t) => t === "user"), ...own.filter((t) => t !== "user")];
  return ordered.map((t) => `/proc/${pid}/ns/${NAMESPACE_FILES[t]}`);
}

/**
 * The operation list for native.c's exec spawn: `spec.process` is the exec'd
 * process (args, env, user, cwd, capabilities...) and `namespaces` the
 * running container's (namespacePaths). The part before "fork" runs in the
 * intermediate child, the rest in the exec'd process; nothing is mounted,
 * the container's mount namespace already has it all. `execHelper` is the
 * monitor executable, opened on the host, that execs the command (native.c's
 * op_via: the process must not hold bunker's own executable at its execve).
 */
export function buildExecProgram(spec: RuntimeSpec, cgroupJoinFiles: string[], namespaces: string[], stdio: Stdio, execHelper: string, seccompFile = ""): string[] {
  const ops: string[] = [];
  for (const file of cgroupJoinFiles) ops.push("cgroup", file);
  if (!("consoleSocket" in stdio)) ops.push("stdio", String(stdio.stdin), String(stdio.stdout), String(stdio.stderr));
  ops.push("closefds", "consoleSocket" in stdio ? String(stdio.consoleSocket) : "-1", "nodump");
  ops.push("umask", String(spec.process.user.umask ?? 0o022));
  if (seccompFile) ops.push("seccomp-read", seccompFile);
  ops.push("via", execHelper);
  ops.push("nsenter", String(namespaces.length), ...namespaces, "fork");
  if ("consoleSocket" in stdio) ops.push("console", String(stdio.consoleSocket), String(stdio.rows), String(stdio.cols));
  else ops.push("setsid");
  ops.push("cwd", spec.process.cwd);
  ops.push(...processOps(spec, seccompFile !== ""));
  return ops;
}

export const hasNewUserNamespace = (spec: RuntimeSpec) => spec.linux.namespaces.some((n) => n.type === "user" && !n.path);

/** /proc/<pid>/uid_map's text: one "INSIDE OUTSIDE SIZE" line per mapping. */
export const mapText = (maps: IdMapping[] = []) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");

/**
 * The words native.c's parent reads before it releases a child cloned into a
 * new user namespace: the id maps it writes, the overlay it mounts with
 * idmapped lower layers (or ""; a "noidmap," prefix when the layers already
 * carry the mapped owners), and the cgroup files it moves the child into
 * (a process that is root only inside its namespace may not write them).
 */
export function usernsHeader(spec: RuntimeSpec, cgroupJoinFiles: string[], overlay: string): string[] {
  const rootfs = overlay && spec.annotations?.[LAYERS_MAPPED_ANNOTATION] === "true" ? `noidmap,${overlay}` : overlay;
  return ["userns", mapText(spec.linux.uidMappings), mapText(spec.linux.gidMappings), rootfs, String(cgroupJoinFiles.length), ...cgroupJoinFiles];
}

/** native.c's mknod ORs in S_IFCHR; S_IFBLK (0o060000) contains that bit, so a block device passes its type in the mode. */
const deviceMode = (d: NonNullable<RuntimeSpec["linux"]["devices"]>[number]) => (d.fileMode ?? 0o666) | (d.type === "b" ? 0o060000 : 0);

const limit = (v: number) => (isUnlimited(v) ? "-1" : String(v));

/**
 * Capabilities, user, no_new_privs and seccomp, in runc's order:
 *
 *   bounding -> [seccomp] -> keepcaps -> user -> caps -> ambient -> [no-new-privs -> seccomp] -> exec
 *
 * Dropping from the bounding set needs CAP_SETPCAP and setuid needs
 * CAP_SETUID, so both come before capset takes effective capabilities away;
 * a non-root user keeps its permitted set across setuid only with keepcaps.
 *
 * Installing a seccomp filter needs CAP_SYS_ADMIN or no_new_privs. Without
 * no_new_privs (Docker's default: setuid binaries inside must keep working)
 * the filter therefore goes in while the child is still root with all its
 * effective capabilities, right after the bounding drop; the few calls after
 * it (prctl, setgroups, setres[ug]id, capset, close_range, rt_sigaction,
 * execve) are all allowed by Docker's profile. With no_new_privs it goes in
 * last, just before execve, as runc does, so the filter sees as little of
 * our own setup as possible. Either way it works for root and non-root.
 */
function credentialOps(spec: RuntimeSpec, seccomp: boolean): string[] {
  const ops: string[] = [];
  const caps = spec.process.capabilities;
  const nnp = spec.process.noNewPrivileges === true;
  const { uid, gid, additionalGids = [] } = spec.process.user;
  if (caps) ops.push("bounding", String(capabilityMask(caps.bounding)));
  if (seccomp && !nnp) ops.push("seccomp");
  if (caps && uid !== 0) ops.push("keepcaps");
  ops.push("user", String(uid), String(gid), String(additionalGids.length), ...additionalGids.map(String));
  if (caps) {
    ops.push("caps", String(capabilityMask(caps.effective)), String(capabilityMask(caps.permitted)), String(capabilityMask(caps.inheritable)));
    ops.push("ambient", String(capabilityMask(caps.ambient)));
  }
  if (nnp) ops.push("no-new-privs");
  if (seccomp && nnp) ops.push("seccomp");
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
