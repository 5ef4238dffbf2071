import { describe, expect, test } from "bun:test";
import { buildExecProgram, buildProgram, DEFAULT_PATH, namespacePaths, MS, OVERLAY_ANNOTATION, type Stdio } from "../../../src/runtime/program.ts";
import type { RuntimeSpec, SpecMount } from "../../../src/runtime/spec.ts";

const FDS: Stdio = { stdin: 0, stdout: 1, stderr: 2 };
const CONSOLE: Stdio = { consoleSocket: 9, rows: 24, cols: 80 };
const HOST_FILES = new Set(["/host/resolv.conf"]);
const isFile = (source: string) => HOST_FILES.has(source);

const DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"];
const DOCKER_MASK = String(0xa80425fb);

type Process = RuntimeSpec["process"];
function spec(over: { env?: string[]; mounts?: SpecMount[]; process?: Partial<Process> } = {}): RuntimeSpec {
  return {
    ociVersion: "1.0.2",
    process: {
      user: { uid: 1000, gid: 1000, additionalGids: [29, 44] },
      args: ["sh", "-c", "echo hi"],
      env: over.env ?? ["A=1", "PATH=/opt/bin:/bin"],
      cwd: "/work",
      capabilities: { bounding: DOCKER_CAPS },
      ...over.process,
    },
    root: { path: "/bundle/rootfs" },
    hostname: "box",
    annotations: { [OVERLAY_ANNOTATION]: "lowerdir=/l,upperdir=/u,workdir=/w" },
    mounts: over.mounts ?? [
      { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/etc/resolv.conf", type: "bind", source: "/host/resolv.conf", options: ["rbind", "rprivate"] },
      { destination: "/data", source: "/host/data", options: ["rbind", "ro"] },
    ],
    linux: {
      namespaces: [{ type: "pid" }, { type: "mount" }, { type: "uts" }, { type: "network" }],
      maskedPaths: ["/proc/kcore"],
      readonlyPaths: ["/proc/sys"],
      devices: [{ path: "/dev/null", type: "c", major: 1, minor: 3 }],
    },
  };
}

/** The program split into ops: each op name with its arguments (op names never appear as arguments here). */
const OP_NAMES = new Set([
  "cgroup", "setsid", "stdio", "closefds", "nodump", "umask", "seccomp-read", "private", "mount", "root", "rmount", "symlink", "pivot", "console", "lo-up",
  "mknod", "mask", "readonly", "hostname", "workdir", "oom-score-adj", "rlimit", "bounding", "seccomp", "keepcaps", "user", "caps", "ambient",
  "no-new-privs", "exec", "nsenter", "fork", "cwd", "via",
]);
function ops(program: string[]): string[][] {
  const out: string[][] = [];
  for (const word of program) {
    if (OP_NAMES.has(word) && out.at(-1)?.[0] !== "exec") out.push([word]);
    else out.at(-1)!.push(word);
  }
  return out;
}
const names = (program: string[]) => ops(program).map((o) => o[0]);

describe("buildProgram", () => {
  const program = buildProgram(spec(), ["/cg/memory/bunker/c1/tasks", "/cg/pids/bunker/c1/tasks"], FDS, isFile);
  const order = names(program);
  const first = (name: string) => order.indexOf(name);
  const last = (name: string) => order.lastIndexOf(name);

  test("joins the cgroups before anything else", () => {
    expect(program.slice(0, 4)).toEqual(["cgroup", "/cg/memory/bunker/c1/tasks", "cgroup", "/cg/pids/bunker/c1/tasks"]);
  });

  test("mounts the overlay rootfs, then the spec's mounts, then pivots", () => {
    expect(first("mount")).toBeLessThan(first("root"));
    expect(first("root")).toBeLessThan(first("rmount"));
    expect(last("rmount")).toBeLessThan(first("pivot"));
    expect(last("symlink")).toBeLessThan(first("pivot"));
    for (const after of ["mknod", "mask", "readonly", "hostname", "lo-up", "workdir", "user"]) expect(first(after)).toBeGreaterThan(first("pivot"));
  });

  test("closes inherited fds and turns non-dumpable before touching any mount", () => {
    expect(ops(program)).toContainEqual(["closefds", "-1"]);
    expect(first("closefds")).toBeLessThan(first("private"));
    expect(first("nodump")).toBeLessThan(first("private"));
  });

  test("a non-root user: bounding drop, keepcaps, user, then empty capability sets; exec comes last with the PATH from the env", () => {
    expect(order.slice(-7)).toEqual(["workdir", "bounding", "keepcaps", "user", "caps", "ambient", "exec"]);
    expect(ops(program)).toContainEqual(["bounding", DOCKER_MASK]);
    expect(ops(program)).toContainEqual(["user", "1000", "1000", "2", "29", "44"]);
    expect(ops(program)).toContainEqual(["caps", "0", "0", "0"]);
    expect(ops(program)).toContainEqual(["ambient", "0"]);
    expect(ops(program).at(-1)).toEqual(["exec", "/opt/bin:/bin", "3", "2", "sh", "-c", "echo hi", "A=1", "PATH=/opt/bin:/bin"]);
  });

  test("root keeps Docker's 14 in effective and permitted, with inheritable empty, and needs no keepcaps", () => {
    const caps = { bounding: DOCKER_CAPS, effective: DOCKER_CAPS, permitted: DOCKER_CAPS };
    const root = ops(buildProgram(spec({ process: { user: { uid: 0, gid: 0 }, capabilities: caps } }), [], FDS, isFile));
    expect(root.map((o) => o[0]).slice(-5)).toEqual(["bounding", "user", "caps", "ambient", "exec"]);
    expect(root).toContainEqual(["caps", DOCKER_MASK, DOCKER_MASK, "0"]);
  });

  test("without capabilities in the spec the process keeps its own (no capability ops)", () => {
    const none = names(buildProgram(spec({ process: { capabilities: undefined } }), [], FDS, isFile));
    for (const op of ["bounding", "keepcaps", "caps", "ambient"]) expect(none).not.toContain(op);
  });

  test("seccomp without no_new_privs goes in while still privileged, right after the bounding drop", () => {
    const order = names(buildProgram(spec(), [], FDS, isFile, "/cache/f.bpf"));
    expect(ops(buildProgram(spec(), [], FDS, isFile, "/cache/f.bpf"))).toContainEqual(["seccomp-read", "/cache/f.bpf"]);
    expect(order.indexOf("seccomp-read")).toBeLessThan(order.indexOf("pivot")); // the host's file is still reachable
    expect(order.slice(-7)).toEqual(["bounding", "seccomp", "keepcaps", "user", "caps", "ambient", "exec"]);
  });

  test("with no_new_privs, seccomp goes in last, after no_new_privs", () => {
    const order = names(buildProgram(spec({ process: { noNewPrivileges: true } }), [], FDS, isFile, "/cache/f.bpf"));
    expect(order.slice(-8)).toEqual(["bounding", "keepcaps", "user", "caps", "ambient", "no-new-privs", "seccomp", "exec"]);
    const noSeccomp = names(buildProgram(spec({ process: { noNewPrivileges: true } }), [], FDS, isFile));
    expect(noSeccomp).not.toContain("seccomp");
    expect(noSeccomp).not.toContain("seccomp-read");
    expect(noSeccomp.slice(-2)).toEqual(["no-new-privs", "exec"]);
  });

  test("rlimits and the OOM score are set after the working directory, before the user changes", () => {
    const p = ops(
      buildProgram(
        spec({ process: { rlimits: [{ type: "RLIMIT_NOFILE", soft: 100, hard: 200 }, { type: "RLIMIT_CORE", soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 }], oomScoreAdj: 500 } }),
        [],
        FDS,
        isFile,
      ),
    );
    const at = (name: string) => p.findIndex((o) => o[0] === name);
    expect(p).toContainEqual(["rlimit", "RLIMIT_NOFILE", "7", "100", "200"]);
    expect(p).toContainEqual(["rlimit", "RLIMIT_CORE", "4", "-1", "-1"]); // unlimited
    expect(p).toContainEqual(["oom-score-adj", "500"]);
    expect(at("workdir")).toBeLessThan(at("oom-score-adj"));
    expect(at("rlimit")).toBeLessThan(at("user"));
  });

  test("without PATH in the env, exec searches docker's default PATH", () => {
    expect(ops(buildProgram(spec({ env: [] }), [], FDS, isFile)).at(-1)).toEqual(["exec", DEFAULT_PATH, "3", "0", "sh", "-c", "echo hi"]);
  });

  test("a bind of a file gets a file mount point; read-only binds carry MS_RDONLY", () => {
    const mounts = ops(program).filter((o) => o[0] === "rmount");
    expect(mounts).toEqual([
      ["rmount", "proc", "/proc", "proc", String(MS.NOSUID | MS.NOEXEC | MS.NODEV), "d", ""],
      ["rmount", "/host/resolv.conf", "/etc/resolv.conf", "", String(MS.BIND | MS.REC), "f", ""],
      ["rmount", "/host/data", "/data", "", String(MS.BIND | MS.REC | MS.RDONLY), "d", ""],
    ]);
  });

  test("with plain fds the child gets its stdio and a session; no console", () => {
    expect(ops(program)).toContainEqual(["stdio", "0", "1", "2"]);
    expect(order).toContain("setsid");
    expect(order).not.toContain("console");
  });

  test("with a console socket, the console is made after pivot (in the container's devpts), and no stdio op", () => {
    const withConsole = buildProgram(spec(), [], CONSOLE, isFile);
    const consoleOrder = names(withConsole);
    expect(ops(withConsole)).toContainEqual(["console", "9", "24", "80"]);
    expect(consoleOrder.indexOf("console")).toBeGreaterThan(consoleOrder.indexOf("pivot"));
    expect(consoleOrder).not.toContain("stdio");
    expect(consoleOrder).not.toContain("setsid");
    expect(ops(withConsole)).toContainEqual(["closefds", "9"]); // the console socket survives until the console is made
  });
});

describe("buildProgram with a user namespace", () => {
  const s = spec();
  s.linux.namespaces.push({ type: "user" });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 10 }, { containerID: 10, hostID: 300000, size: 5 }];
  const program = buildProgram(s, ["/cg/memory/bunker/c1/tasks", "/cg/pids/bunker/c1/tasks"], FDS, isFile);
  const body = program.slice(7); // after the header
  const order = names(body);

  test("starts with the header the parent reads: maps, overlay, cgroup files (no cgroup op for the child)", () => {
    expect(program.slice(0, 7)).toEqual([
      "userns", "0 100000 65536\n", "0 200000 10\n10 300000 5\n", "lowerdir=/l,upperdir=/u,workdir=/w", "2",
      "/cg/memory/bunker/c1/tasks", "/cg/pids/bunker/c1/tasks",
    ]);
    expect(order).not.toContain("cgroup");
  });

  test("attaches the rootfs the parent built instead of mounting the overlay, then becomes root of the namespace", () => {
    const i = body.indexOf("root-mount");
    expect(body.slice(i, i + 2)).toEqual(["root-mount", "/bundle/rootfs"]);
    expect(order).not.toContain("mount");
    const root = body.indexOf("root", i);
    const nsRoot = body.indexOf("userns-root");
    expect(nsRoot).toBeGreaterThan(root);
    expect(nsRoot).toBeGreaterThan(body.indexOf("seccomp-read") >= 0 ? body.indexOf("seccomp-read") : -1);
    expect(nsRoot).toBeLessThan(body.indexOf("rmount"));
  });

  test("opens every bind source while still host root, so no directory on their way need admit the namespace's root", () => {
    const nsRoot = body.indexOf("userns-root");
    const held = body.flatMap((w, i) => (w === "hold" && i < nsRoot ? [body[i + 1]] : []));
    expect(held).toEqual(["/host/resolv.conf", "/host/data", "/dev/null"]); // the binds, then the device nodes
    expect(held).not.toContain("proc"); // not a bind
    expect(body.lastIndexOf("hold")).toBeLessThan(nsRoot);
  });

  test("binds the host's device nodes before pivot_root instead of mknod", () => {
    expect(order).not.toContain("mknod");
    const i = body.lastIndexOf("/dev/null") - 2;
    expect(body.slice(i, i + 7)).toEqual(["rmount", "/dev/null", "/dev/null", "", String(MS.BIND), "n", ""]);
    expect(i).toBeLessThan(body.indexOf("pivot"));
  });

  test("without a user namespace nothing changes", () => {
    const plain = buildProgram(spec(), [], FDS, isFile);
    expect(plain).not.toContain("userns");
    expect(plain).not.toContain("userns-root");
    expect(plain).not.toContain("root-mount");
    expect(plain).toContain("mknod");
  });
});

describe("buildExecProgram", () => {
  const namespaces = ["/proc/42/ns/pid", "/proc/42/ns/mnt"];
  const program = buildExecProgram(spec(), ["/cg/pids/bunker/c1/tasks"], namespaces, FDS, "/cache/monitor-1", "/cache/f.bpf");
  const order = names(program);

  test("the intermediate joins the cgroup, closes fds, reads the filter and opens the exec helper before entering the namespaces, then forks", () => {
    expect(order.slice(0, 9)).toEqual(["cgroup", "stdio", "closefds", "nodump", "umask", "seccomp-read", "via", "nsenter", "fork"]);
    expect(ops(program)).toContainEqual(["via", "/cache/monitor-1"]);
    expect(ops(program)).toContainEqual(["nsenter", "2", ...namespaces]);
  });

  test("the exec'd process gets its own session, an existing working directory and the container's credentials; nothing is mounted", () => {
    expect(order.slice(9)).toEqual(["setsid", "cwd", "bounding", "seccomp", "keepcaps", "user", "caps", "ambient", "exec"]);
    for (const op of ["private", "mount", "rmount", "root", "pivot", "hostname", "mknod"]) expect(order).not.toContain(op);
  });

  test("with a terminal, the console is made after the namespaces are entered (the container's devpts)", () => {
    const tty = names(buildExecProgram(spec(), [], namespaces, CONSOLE, "/cache/monitor-1"));
    expect(tty.indexOf("console")).toBeGreaterThan(tty.indexOf("fork"));
    expect(tty).not.toContain("stdio");
  });
});

test("namespacePaths: a joined network namespace (the host user namespace's), then the container's own, the user namespace first", () => {
  const s = spec();
  s.linux.namespaces = [{ type: "pid" }, { type: "network", path: "/run/netns/x" }, { type: "mount" }, { type: "user" }, { type: "ipc", path: "/proc/9/ns/ipc" }];
  expect(namespacePaths(s, 7)).toEqual(["/proc/7/ns/net", "/proc/7/ns/user", "/proc/7/ns/pid", "/proc/7/ns/mnt"]);
});
