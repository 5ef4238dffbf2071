import { describe, expect, test } from "bun:test";
import { buildProgram, DEFAULT_PATH, MS, type Stdio } from "../../../src/runtime/program.ts";
import { OVERLAY_ANNOTATION, type RuntimeSpec, type SpecMount } from "../../../src/runtime/spec.ts";

const FDS: Stdio = { stdin: 0, stdout: 1, stderr: 2 };
const CONSOLE: Stdio = { consoleSocket: 9, rows: 24, cols: 80 };
const HOST_FILES = new Set(["/host/resolv.conf"]);
const isFile = (source: string) => HOST_FILES.has(source);

function spec(over: { env?: string[]; mounts?: SpecMount[] } = {}): RuntimeSpec {
  return {
    ociVersion: "1.0.2",
    process: { user: { uid: 1000, gid: 1000, additionalGids: [29, 44] }, args: ["sh", "-c", "echo hi"], env: over.env ?? ["A=1", "PATH=/opt/bin:/bin"], cwd: "/work" },
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
const OP_NAMES = new Set(["cgroup", "setsid", "stdio", "umask", "private", "mount", "root", "rmount", "symlink", "pivot", "console", "lo-up", "mknod", "mask", "readonly", "hostname", "mkdirp", "chdir", "user", "exec"]);
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
    for (const after of ["mknod", "mask", "readonly", "hostname", "lo-up", "chdir", "user"]) expect(first(after)).toBeGreaterThan(first("pivot"));
  });

  test("sets the user just before exec, and exec comes last with the PATH from the env", () => {
    expect(order.slice(-2)).toEqual(["user", "exec"]);
    expect(ops(program).at(-2)).toEqual(["user", "1000", "1000", "2", "29", "44"]);
    expect(ops(program).at(-1)).toEqual(["exec", "/opt/bin:/bin", "3", "2", "sh", "-c", "echo hi", "A=1", "PATH=/opt/bin:/bin"]);
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
  });
});
