// Exec through the API: docker-py's low-level client (exec_create, exec_start,
// exec_inspect) on a container bunker's CLI runs, the store shared. (The docker
// CLI's `exec` inspects the container first, GET /containers/{id}/json, which
// the containers routes serve.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Bunker } from "../harness.ts";
import { type ApiService, serviceFor } from "./api-harness.ts";

let b: Bunker;
let s: ApiService;
let c: string;

/** Runs SCRIPT under Debian's python3 with docker-py's APIClient as `api` and the container id as `cid`; returns what it prints. */
function py(script: string): string {
  const prelude = `import docker, json, sys\napi = docker.APIClient(base_url="unix://${s.sock}")\ncid = "${c}"\n`;
  const r = Bun.spawnSync(["/usr/bin/python3", "-c", prelude + script]);
  if (r.exitCode !== 0) throw new Error(`python: ${r.stderr}`);
  return r.stdout.toString();
}

beforeAll(async () => {
  b = Bunker.withBusybox();
  s = await serviceFor(b);
  c = b.ok(["run", "-d", "busybox", "sleep", "1000"]).trim();
});

afterAll(async () => {
  expect(await s.stop()).toBe(0);
  b.cleanup();
});

describe("docker-py", () => {
  test("stdout and stderr come multiplexed; the exit code is on the instance", () => {
    const out = py(`e = api.exec_create(cid, ["sh", "-c", "echo out; echo err >&2; exit 3"])
print(json.dumps([x.decode() for x in api.exec_start(e, demux=True)]))
i = api.exec_inspect(e)
print(json.dumps([i["ExitCode"], i["Running"], i["ContainerID"], i["ProcessConfig"]]))`);
    const [streams, inspected] = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(streams).toEqual(["out\n", "err\n"]);
    expect(inspected).toEqual([3, false, c, { tty: false, entrypoint: "sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], privileged: false }]);
  });

  test("a TTY exec gets a terminal: raw output with CRLF", () => {
    expect(py(`e = api.exec_create(cid, ["sh", "-c", "tty; echo hi"], tty=True)\nsys.stdout.write(repr(api.exec_start(e, tty=True)))`)).toMatch(/^b'\/dev\/pts\/\d+\\r\\nhi\\r\\n'$/);
  });

  test("env, user and working directory, as bunker exec has them", () => {
    const out = py(`e = api.exec_create(cid, ["sh", "-c", "echo $X; id -u; pwd"], environment=["X=Y"], user="nobody", workdir="/etc")\nsys.stdout.write(api.exec_start(e).decode())`);
    expect(out).toBe(b.ok(["exec", "-e", "X=Y", "-u", "nobody", "-w", "/etc", c, "sh", "-c", "echo $X; id -u; pwd"]));
  });

  test("stdin reaches the process, and its half-close is the process's EOF", () => {
    const out = py(`import socket
e = api.exec_create(cid, ["sh", "-c", "wc -c; echo done"], stdin=True)
sock = api.exec_start(e, socket=True)._sock
sock.sendall(b"12345")
sock.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = sock.recv(4096)
    if not chunk: break
    data += chunk
sys.stdout.write(repr(data))`);
    // Two stdout frames: 8-byte headers, then "5\\n" and "done\\n" (or both in one).
    expect(out).toContain("5\\n");
    expect(out).toContain("done\\n");
    expect(out).toContain("\\x01\\x00\\x00\\x00");
  });

  test("exit codes 0, 3, 126 and 127, with dockerd's message in the stream", () => {
    const out = py(`for cmd in (["true"], ["sh", "-c", "exit 3"], ["/etc"], ["nosuch"]):
    e = api.exec_create(cid, cmd)
    text = api.exec_start(e).decode()
    print(json.dumps([api.exec_inspect(e)["ExitCode"], text]))`);
    const rows = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((r) => r[0])).toEqual([0, 3, 126, 127]);
    expect(rows[3][1]).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n');
  });

  test("a detached start answers at once; the exit is still recorded", async () => {
    const id = py(`e = api.exec_create(cid, ["sh", "-c", "exit 4"])\nassert api.exec_start(e, detach=True) == ""\nsys.stdout.write(e["Id"])`);
    // Wait on the instance itself: it says when the process has exited.
    let inspected: { Running: boolean; ExitCode: number | null };
    do inspected = (await (await s.api(`/exec/${id}/json`)).json()) as typeof inspected;
    while (inspected.ExitCode === null);
    expect(inspected).toMatchObject({ Running: false, ExitCode: 4 });
  });
});

describe("HTTP", () => {
  const post = (path: string, body?: unknown) => s.api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  test("status codes: unknown container or instance 404, no command 400, stopped container 409, a second start 409", async () => {
    expect((await post("/containers/nosuch/exec", { Cmd: ["true"] })).status).toBe(404);
    expect((await post(`/containers/${c}/exec`, { Cmd: [] })).status).toBe(400);
    expect((await post(`/containers/${c}/exec`, { Cmd: ["true"], DetachKeys: "ctrl-!!" })).status).toBe(400);
    expect((await s.api(`/exec/${"0".repeat(64)}/json`)).status).toBe(404);
    const stopped = b.ok(["create", "busybox", "true"]).trim();
    expect((await post(`/containers/${stopped}/exec`, { Cmd: ["true"] })).status).toBe(409);
    b.ok(["rm", stopped]);
    const created = await post(`/containers/${c}/exec`, { Cmd: ["true"] });
    expect(created.status).toBe(201);
    const { Id } = (await created.json()) as { Id: string };
    expect((await post(`/exec/${Id}/start`, { Detach: true })).status).toBe(200);
    expect((await post(`/exec/${Id}/start`, { Detach: true })).status).toBe(409);
  });

  test("instances are 0600 files in the run dir", async () => {
    const dir = join(b.root, "run", "exec");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });
});
