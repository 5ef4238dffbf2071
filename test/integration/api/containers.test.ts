// The container endpoints through real clients: the docker CLI on a private
// socket does what a user does (run, logs, ps, inspect, cp, top, stats, rename,
// update, prune), each output compared with bunker's own CLI on the same
// containers; raw HTTP checks dockerd's status codes and stream formats.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { BUNKER, Bunker } from "../harness.ts";

const DOCKER = "/usr/local/bin/docker";

let b: Bunker;
let tmp: string;
let sock: string;
let service: Bun.Subprocess<"ignore", "ignore", "pipe">;

interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const dockerArgv = (args: string[]) => [DOCKER, "-H", `unix://${sock}`, ...args];

/** The docker CLI against the service, without blocking this process. */
async function docker(args: string[], stdin?: string): Promise<Result> {
  const p = Bun.spawn(dockerArgv(args), { stdin: stdin === undefined ? "ignore" : Buffer.from(stdin), stdout: "pipe", stderr: "pipe", env: { ...process.env, DOCKER_CONFIG: tmp } });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, exitCode };
}

async function dockerOk(args: string[], stdin?: string): Promise<string> {
  const r = await docker(args, stdin);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

const api = (path: string, init: RequestInit = {}) => fetch(`http://bunker${path}`, { ...init, unix: sock } as RequestInit);

/**
 * A raw request whose connection is upgraded (attach): `upgradedHead` resolves with the 101 head
 * (the attach is in place), `body` with what the server streamed until it closed.
 */
function upgraded(path: string): { upgradedHead: Promise<string>; body: Promise<Buffer> } {
  const c = connect(sock);
  let all = Buffer.alloc(0);
  let headSeen: (head: string) => void;
  const upgradedHead = new Promise<string>((resolve) => (headSeen = resolve));
  const body = new Promise<Buffer>((resolve, reject) => {
    c.on("data", (d: Buffer) => {
      all = Buffer.concat([all, d]);
      const end = all.indexOf("\r\n\r\n");
      if (end >= 0) headSeen(all.subarray(0, end).toString());
    });
    c.on("close", () => resolve(all.subarray(all.indexOf("\r\n\r\n") + 4)));
    c.on("error", reject);
  });
  c.write(`POST ${path} HTTP/1.1\r\nHost: bunker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
  c.end(); // no stdin: the client's write side is done, and it still reads
  return { upgradedHead, body };
}

/** Docker's stdcopy frames as [stream, text] pairs. */
function demux(body: Buffer): [number, string][] {
  const out: [number, string][] = [];
  for (let i = 0; i + 8 <= body.length; ) {
    const size = body.readUInt32BE(i + 4);
    out.push([body[i], body.subarray(i + 8, i + 8 + size).toString()]);
    i += 8 + size;
  }
  return out;
}

beforeAll(async () => {
  b = Bunker.withBusybox();
  tmp = mkdtempSync("/var/tmp/bunker-api-containers-");
  sock = join(tmp, "api.sock");
  // A variable of the service's own, which no container may see.
  service = Bun.spawn([BUNKER, "--root", b.root, "system", "service", "--time", "0", `unix://${sock}`], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, BUNKER_SERVICE_SECRET: "service-only" },
  });
  // Ready once it says where it listens.
  const reader = service.stderr.getReader();
  for (let seen = ""; !seen.includes("API listen on"); ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${seen}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
});

afterAll(async () => {
  service.kill("SIGTERM");
  expect(await service.exited).toBe(0);
  rmSync(tmp, { recursive: true, force: true });
  b.cleanup();
});

describe("docker run through the socket", () => {
  test("run --rm prints the output and exits with the container's code; the container is gone", async () => {
    const r = await docker(["run", "--rm", "--name", "once", "busybox", "sh", "-c", "echo hi; echo oops >&2; exit 3"]);
    expect(r.stdout).toBe("hi\n");
    expect(r.stderr).toBe("oops\n");
    expect(r.exitCode).toBe(3);
    expect(b.run(["inspect", "once"]).exitCode).toBe(1);
  });

  test("run -i: piped stdin reaches the container and its end closes the container's stdin", async () => {
    expect(await dockerOk(["run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo done"], "piped\n")).toBe("piped\ndone\n");
  });

  test("run -d, logs -f until stop, then rm: the log is bunker's, stop and rm print the name", async () => {
    const id = (await dockerOk(["run", "-d", "--name", "ticker", "busybox", "sh", "-c", "trap 'echo bye; exit 0' TERM; echo started; while true; do sleep 0.1; done"])).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await b.logsUntil("ticker", "started");
    const follower = docker(["logs", "-f", "ticker"]);
    expect(await dockerOk(["stop", "ticker"])).toBe("ticker\n");
    const followed = await follower;
    expect(followed.exitCode).toBe(0);
    expect(followed.stdout).toBe("started\nbye\n");
    expect(followed.stdout).toBe(b.ok(["logs", "ticker"]));
    expect(await dockerOk(["stop", "ticker"])).toBe("ticker\n"); // already stopped: dockerd's 304, which the CLI takes as done
    expect(await dockerOk(["rm", "ticker"])).toBe("ticker\n");
    expect(b.run(["inspect", "ticker"]).exitCode).toBe(1);
  });

  test("run -it gives a real terminal through the hijacked connection, sized as the caller's", () => {
    const argv = `${dockerArgv(["run", "--rm", "-it", "busybox", "sh", "-c"]).join(" ")} 'tty >/dev/null && echo is-a-tty; stty size; read line; echo got $line; exit 4'`;
    const r = Bun.spawnSync(["script", "-qefc", `stty rows 33 cols 101; ${argv}`, "/dev/null"], { stdin: Buffer.from("typed\n"), env: { ...process.env, DOCKER_CONFIG: tmp } });
    const output = r.stdout.toString();
    expect(output).toContain("is-a-tty");
    expect(output).toContain("33 101");
    expect(output).toContain("got typed");
    expect(r.exitCode).toBe(4);
  });
});

describe("the docker CLI's output is bunker's own", () => {
  beforeAll(() => {
    b.ok(["run", "-d", "--name", "web", "--label", "tier=front", "busybox", "sleep", "300"]);
    expect(b.run(["run", "--name", "done", "busybox", "sh", "-c", "echo x > /made; exit 2"]).exitCode).toBe(2);
  });

  test("ps and ps -a --format", async () => {
    // Relative times may tick between the two commands: the columns compared do not move.
    for (const format of ["table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.Names}}\\t{{.State}}", "{{.ID}} {{.Names}} {{.Labels}} {{.Label \"tier\"}} {{.Mounts}} {{.Networks}} {{.Ports}}", "{{json .State}}"]) {
      expect(await dockerOk(["ps", "--format", format])).toBe(b.ok(["ps", "--format", format]));
      expect(await dockerOk(["ps", "-a", "--no-trunc", "--format", format])).toBe(b.ok(["ps", "-a", "--no-trunc", "--format", format]));
    }
    expect(await dockerOk(["ps", "-a", "-q", "--filter", "status=exited"])).toBe(b.ok(["ps", "-a", "-q", "--filter", "status=exited"]));
    expect(await dockerOk(["ps", "-q", "--filter", "label=tier=front"])).toBe(b.ok(["ps", "-q", "--filter", "label=tier=front"]));
  });

  test("inspect", async () => {
    expect(await dockerOk(["inspect", "web", "done"])).toBe(b.ok(["inspect", "web", "done"]));
    expect(await dockerOk(["inspect", "-f", "{{.State.ExitCode}} {{.Config.Labels}}", "done"])).toBe("2 map[]\n");
  });

  test("cp both ways", async () => {
    const file = join(tmp, "in.txt");
    writeFileSync(file, "from the host\n");
    expect((await docker(["cp", file, "web:/tmp/"])).exitCode).toBe(0);
    expect(b.ok(["exec", "web", "cat", "/tmp/in.txt"])).toBe("from the host\n");
    expect((await docker(["cp", "done:/made", join(tmp, "docker-made")])).exitCode).toBe(0);
    b.ok(["cp", "done:/made", join(tmp, "bunker-made")]);
    expect(readFileSync(join(tmp, "docker-made"), "utf8")).toBe("x\n");
    expect(readFileSync(join(tmp, "docker-made"), "utf8")).toBe(readFileSync(join(tmp, "bunker-made"), "utf8"));
    const missing = await docker(["cp", "web:/nowhere", tmp]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("Could not find the file /nowhere in container web");
  });

  test("top, diff and stats --no-stream", async () => {
    // ps's C and TIME columns move between two readings; pid and command do not.
    expect(await dockerOk(["top", "web", "-o", "pid,args"])).toBe(b.ok(["top", "web", "-o", "pid,args"]));
    expect(await dockerOk(["diff", "done"])).toBe(b.ok(["diff", "done"]));
    // CPU, memory and I/O move between two readings; the table and the other columns do not.
    const format = "table {{.Container}}\\t{{.Name}}\\t{{.PIDs}}";
    expect(await dockerOk(["stats", "--no-stream", "--format", format])).toBe(b.ok(["stats", "--no-stream", "--format", format]));
    // The columns' names and order; their widths follow values that move (NET I/O).
    const header = (text: string) => text.split("\n")[0].split(/\s{2,}/);
    expect(header(await dockerOk(["stats", "--no-stream", "web"]))).toEqual(header(b.ok(["stats", "--no-stream", "web"])));
  });

  test("rename and update --memory", async () => {
    await dockerOk(["rename", "web", "web2"]);
    expect(b.ok(["ps", "--format", "{{.Names}}"])).toBe("web2\n");
    expect(await dockerOk(["update", "--memory", "64m", "web2"])).toBe("web2\n");
    expect(b.ok(["inspect", "-f", "{{.HostConfig.Memory}}", "web2"])).toBe("67108864\n");
    expect(readFileSync(`/sys/fs/cgroup/memory/bunker/${b.ok(["inspect", "-f", "{{.Id}}", "web2"]).trim()}/memory.limit_in_bytes`, "utf8").trim()).toBe("67108864");
    await dockerOk(["rename", "web2", "web"]);
  });

  test("container prune removes the stopped ones and reports them", async () => {
    const stopped = b.ok(["ps", "-a", "-q", "--no-trunc", "--filter", "status=exited"]).split("\n").filter(Boolean);
    expect(stopped.length).toBeGreaterThan(0);
    const out = await dockerOk(["container", "prune", "-f"]);
    expect(out).toMatch(/^Deleted Containers:\n/);
    for (const id of stopped) expect(out).toContain(`${id}\n`);
    expect(out).toMatch(/\nTotal reclaimed space: \d/);
    expect(b.ok(["ps", "-a", "-q", "--filter", "status=exited"])).toBe("");
  });
});

describe("HTTP", () => {
  test("dockerd's status codes: 404, 304, 409 and 400", async () => {
    expect((await api("/containers/nope/json")).status).toBe(404);
    expect(await (await api("/containers/nope/json")).json()).toEqual({ message: "No such container: nope" });
    b.ok(["create", "--name", "idle", "busybox", "true"]);
    expect((await api("/containers/idle/stop", { method: "POST" })).status).toBe(304);
    expect((await api("/containers/idle/kill", { method: "POST" })).status).toBe(409);
    expect((await api("/containers/idle/pause", { method: "POST" })).status).toBe(409);
    expect((await api("/containers/idle?link=1", { method: "DELETE" })).status).toBe(400);
    expect((await api("/containers/json?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D")).status).toBe(400);
    expect((await api("/containers/idle/wait?condition=later", { method: "POST" })).status).toBe(400);
    expect((await api("/containers/create", { method: "POST", body: JSON.stringify({ Image: "nosuchimage" }), headers: { "Content-Type": "application/json" } })).status).toBe(404);
    b.ok(["start", "idle"]);
    b.ok(["wait", "idle"]);
    expect((await api("/containers/idle", { method: "DELETE" })).status).toBe(204);
  });

  test("a bare NAME in Env is kept in Config.Env and unsets NAME; the service's own environment never reaches a container", async () => {
    const body = { Image: "busybox", Cmd: ["env"], Env: ["BUNKER_SERVICE_SECRET", "SET=1"] };
    const created = await api("/containers/create?name=envy", { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    expect(created.status).toBe(201);
    expect(b.ok(["inspect", "-f", "{{json .Config.Env}}", "envy"])).toContain('"BUNKER_SERVICE_SECRET","SET=1"');
    expect(b.run(["start", "-a", "envy"]).stdout).not.toContain("BUNKER_SERVICE_SECRET");
    expect(b.ok(["logs", "envy"])).toContain("SET=1\n");
    b.ok(["rm", "envy"]);
  });

  test("kill answers once the container has stopped: a remove may follow at once", async () => {
    b.ok(["run", "-d", "--name", "killed", "busybox", "sleep", "300"]);
    expect((await api("/containers/killed/kill", { method: "POST" })).status).toBe(204);
    expect((await api("/containers/killed", { method: "DELETE" })).status).toBe(204);
  });

  test("list with JSON filters, limit and size", async () => {
    b.ok(["create", "--name", "listed", "--label", "pick=me", "busybox", "true"]);
    const filters = encodeURIComponent(JSON.stringify({ label: ["pick=me"] }));
    const list = (await (await api(`/containers/json?all=1&size=1&filters=${filters}`)).json()) as { Names: string[]; State: string; Status: string; SizeRw: number; Labels: Record<string, string> }[];
    expect(list.map((c) => [c.Names, c.State, c.Status, c.Labels])).toEqual([[["/listed"], "created", "Created", { pick: "me" }]]);
    expect(typeof list[0].SizeRw).toBe("number");
    expect(((await (await api("/containers/json?all=1&limit=1")).json()) as unknown[]).length).toBe(1);
    b.ok(["rm", "listed"]);
  });

  test("wait next-exit before the start, attach before the start: the output in stdcopy frames, then the code", async () => {
    b.ok(["create", "--name", "framed", "busybox", "sh", "-c", "echo out; echo err >&2; exit 5"]);
    const waited = api("/containers/framed/wait?condition=next-exit", { method: "POST" });
    const attached = upgraded("/containers/framed/attach?stream=1&stdout=1&stderr=1");
    const response = await waited; // its headers come at once: the wait is in place
    expect(response.status).toBe(200);
    expect(await attached.upgradedHead).toStartWith("HTTP/1.1 101 UPGRADED");
    expect((await api("/containers/framed/start", { method: "POST" })).status).toBe(204);
    expect(demux(await attached.body)).toEqual([
      [1, "out\n"],
      [2, "err\n"],
    ]);
    expect(await response.json()).toEqual({ StatusCode: 5, Error: null });
    const logs = Buffer.from(await (await api("/containers/framed/logs?stdout=1&stderr=1")).arrayBuffer());
    expect(demux(logs)).toEqual([
      [1, "out\n"],
      [2, "err\n"],
    ]);
    const onlyErr = Buffer.from(await (await api("/containers/framed/logs?stderr=1&timestamps=1")).arrayBuffer());
    expect(demux(onlyErr)[0][1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err\n$/);
    expect(demux(await upgraded("/containers/framed/attach?logs=1&stdout=1").body)).toEqual([[1, "out\n"]]);
    b.ok(["rm", "framed"]);
  });

  test("archive: HEAD's path stat, GET's tar and PUT's extraction", async () => {
    b.ok(["run", "-d", "--name", "files", "busybox", "sleep", "300"]);
    const head = await api("/containers/files/archive?path=/etc/passwd", { method: "HEAD" });
    expect(head.status).toBe(200);
    const stat = JSON.parse(Buffer.from(head.headers.get("x-docker-container-path-stat") as string, "base64").toString());
    expect(stat).toMatchObject({ name: "passwd", mode: 0o644, linkTarget: "" });
    const dir = JSON.parse(Buffer.from((await api("/containers/files/archive?path=/etc", { method: "HEAD" })).headers.get("x-docker-container-path-stat") as string, "base64").toString());
    expect(dir.mode).toBe(2 ** 31 + 0o755); // Go's os.ModeDir
    expect((await api("/containers/files/archive?path=/nope", { method: "HEAD" })).status).toBe(404);
    const tar = Buffer.from(await (await api("/containers/files/archive?path=/etc/passwd")).arrayBuffer());
    expect(tar.subarray(0, 6).toString()).toBe("passwd");
    const put = await api("/containers/files/archive?path=/tmp", { method: "PUT", body: tar });
    expect(put.status).toBe(200);
    expect(b.ok(["exec", "files", "cat", "/tmp/passwd"])).toBe(b.ok(["exec", "files", "cat", "/etc/passwd"]));
    b.ok(["rm", "-f", "files"]);
  });
});
