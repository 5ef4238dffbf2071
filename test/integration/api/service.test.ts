// `bunker system service` through real clients: the docker CLI, raw HTTP over
// the socket, TLS with certificates made here, systemd's socket activation and
// dial-stdio. Each service runs on a private socket with this file's --root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { BUNKER, Bunker, expectOneLineError } from "../harness.ts";
import { DOCKER, type Service, startService, stop } from "./api-harness.ts";

function docker(host: string, args: string[]) {
  const r = Bun.spawnSync([DOCKER, "-H", host, ...args], { env: { ...process.env, DOCKER_CONFIG: tmp } });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
}

/** A raw request on the socket: what the server wrote until it closed. */
function rawRequest(path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(path);
    let got = "";
    c.on("data", (d) => (got += d));
    c.on("close", () => resolve(got));
    c.on("error", reject);
    c.write(text);
  });
}

let b: Bunker;
let tmp: string;
let sock: string;
let service: Service;
const api = (path: string, init: RequestInit = {}) => fetch(`http://bunker${path}`, { ...init, unix: sock } as RequestInit);

beforeAll(async () => {
  b = new Bunker();
  tmp = mkdtempSync("/var/tmp/bunker-api-");
  sock = join(tmp, "api.sock");
  service = await startService([BUNKER, "--root", b.root, "system", "service", "--time", "0", `unix://${sock}`]);
});

afterAll(async () => {
  expect(await stop(service)).toBe(0);
  expect(existsSync(sock)).toBe(false); // removed at exit
  rmSync(tmp, { recursive: true, force: true });
  b.cleanup();
});

describe("the docker CLI", () => {
  test("version, info and system df", () => {
    const host = `unix://${sock}`;
    expect(docker(host, ["version", "--format", "{{.Server.APIVersion}}"]).stdout.trim()).toBe("1.50");
    expect(docker(host, ["info", "--format", "{{.Swarm.LocalNodeState}}"]).stdout.trim()).toBe("inactive");
    const df = docker(host, ["system", "df"]);
    expect(df.exitCode).toBe(0);
    expect(df.stdout).toMatch(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+0\s+0\s/);
  });
});

describe("HTTP", () => {
  test("HEAD /_ping has dockerd's headers", async () => {
    const r = await api("/_ping", { method: "HEAD" });
    expect(r.status).toBe(200);
    for (const [k, v] of Object.entries({
      "api-version": "1.50",
      ostype: "linux",
      "docker-experimental": "false",
      "builder-version": "1",
      "cache-control": "no-cache, no-store, must-revalidate",
      pragma: "no-cache",
    }))
      expect(r.headers.get(k)).toBe(v);
    expect(r.headers.get("server")).toMatch(/^Docker\/28\.\d+\.\d+ \(linux\)$/);
    expect(await (await api("/_ping")).text()).toBe("OK");
  });

  test("versioned and unversioned paths; versions out of range are 400", async () => {
    for (const path of ["/info", "/v1.50/info", "/v1.24/info"]) {
      const r = await api(path);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { Swarm: { LocalNodeState: string } }).Swarm.LocalNodeState).toBe("inactive");
    }
    const version = (await (await api("/v1.41/version")).json()) as { ApiVersion: string; MinAPIVersion: string; Components: { Name: string }[] };
    expect([version.ApiVersion, version.MinAPIVersion]).toEqual(["1.50", "1.24"]);
    expect(version.Components.map((c) => c.Name)).toEqual(["Engine", "bunker"]);
    const tooNew = await api("/v1.51/info");
    expect(tooNew.status).toBe(400);
    expect(await tooNew.json()).toEqual({ message: "client version 1.51 is too new. Maximum supported API version is 1.50" });
    const tooOld = await api("/v1.23/info");
    expect(tooOld.status).toBe(400);
    expect(((await tooOld.json()) as { message: string }).message).toStartWith("client version 1.23 is too old. Minimum supported API version is 1.24");
  });

  test("errors: unknown path 404, malformed JSON 400, swarm 503, a huge body 413 unread", async () => {
    const unknown = await api("/v1.50/no/such/thing");
    expect([unknown.status, await unknown.json()]).toEqual([404, { message: "page not found" }]);
    const bad = await api("/auth", { method: "POST", body: "{not json", headers: { "Content-Type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toStartWith("invalid JSON");
    const swarm = await api("/v1.41/swarm/leave?force=1", { method: "POST" });
    expect(swarm.status).toBe(503);
    expect(((await swarm.json()) as { message: string }).message).toStartWith("This node is not a swarm manager.");
    // Announces 1 GiB and sends none of it: the answer comes at once and the connection is closed.
    const huge = await rawRequest(sock, "POST /auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{");
    expect(huge).toStartWith("HTTP/1.1 413 ");
  });

  test("50 concurrent clients", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => api("/info").then((r) => r.status)));
    expect(answers).toEqual(Array(50).fill(200));
  });

  test("the socket is 0660", () => {
    expect(statSync(sock).mode & 0o777).toBe(0o660);
  });
});

describe("lifetime and transports", () => {
  test("--time 1: exits 0 once idle and removes its socket", async () => {
    const path = join(tmp, "idle.sock");
    const s = await startService([BUNKER, "--root", b.root, "system", "service", "--time", "1", `unix://${path}`]);
    expect((await fetch("http://bunker/_ping", { unix: path } as RequestInit)).status).toBe(200);
    expect(await s.proc.exited).toBe(0);
    expect(existsSync(path)).toBe(false);
  });

  test("a stale socket file is replaced; one in use is refused", async () => {
    expectOneLineError(b.run(["system", "service", "--time", "0", `unix://${sock}`]), 125, /another service is already listening on/);
    const stale = join(tmp, "stale.sock");
    Bun.spawnSync(["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", stale]); // bound, never listened: nobody answers
    const s = await startService([BUNKER, "--root", b.root, "system", "service", "--time", "1", `unix://${stale}`]);
    expect(s.uri).toBe(`unix://${stale}`);
    expect(await s.proc.exited).toBe(0);
  });

  test("socket activation: serves the socket systemd passes as fd 3", async () => {
    const path = join(tmp, "activated.sock");
    // systemd-socket-activate listens, then execs bunker (same pid, LISTEN_PID) on the first connection.
    const proc = Bun.spawn(["systemd-socket-activate", "-l", path, BUNKER, "--root", b.root, "system", "service", "--time", "0"], { stderr: "pipe", stdout: "ignore" });
    const reader = proc.stderr.getReader();
    for (let seen = ""; !seen.includes("Listening on"); ) seen += new TextDecoder().decode((await reader.read()).value);
    reader.releaseLock();
    const r = await fetch("http://bunker/_ping", { unix: path } as RequestInit);
    expect([r.status, await r.text()]).toEqual([200, "OK"]);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  test("plain TCP beyond loopback is refused", () => {
    expectOneLineError(b.run(["system", "service", "tcp://0.0.0.0:0"]), 125, /refusing to serve the API in the clear on 0\.0\.0\.0.*--tlsverify/);
  });

  test("TCP with mutual TLS: a client with a certificate gets in, one without is refused", async () => {
    const dir = join(tmp, "tls");
    const sh = Bun.spawnSync(["bash", "-euc", TLS_SCRIPT, "tls", dir], { stderr: "pipe" });
    if (sh.exitCode !== 0) throw new Error(sh.stderr.toString());
    const s = await startService([
      BUNKER, "--root", b.root, "system", "service", "--time", "0",
      "--tlsverify", `--tlscacert=${dir}/ca.pem`, `--tlscert=${dir}/server-cert.pem`, `--tlskey=${dir}/server-key.pem`, "tcp://127.0.0.1:0",
    ]);
    try {
      const tls = ["--tlsverify", `--tlscacert=${dir}/ca.pem`];
      const ok = docker(s.uri, [...tls, `--tlscert=${dir}/cert.pem`, `--tlskey=${dir}/key.pem`, "version", "--format", "{{.Server.APIVersion}}"]);
      expect([ok.stdout.trim(), ok.stderr]).toEqual(["1.50", ""]);
      const refused = docker(s.uri, [...tls, "version", "--format", "{{.Server.APIVersion}}"]);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.stderr).toMatch(/certificate required|bad certificate|handshake/);
    } finally {
      expect(await stop(s)).toBe(0);
    }
  });

  test("dial-stdio joins stdin and stdout to the root's socket", async () => {
    const s = await startService([BUNKER, "--root", b.root, "system", "service", "--time", "0"]);
    try {
      expect(s.uri).toBe(`unix://${b.root}/run/bunker.sock`); // the root's default socket
      const r = await b.runAsync(["system", "dial-stdio"], { stdin: "GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toStartWith("HTTP/1.1 200 OK\r\n");
      expect(r.stdout).toEndWith("\r\n\r\nOK");
    } finally {
      expect(await stop(s)).toBe(0);
    }
  });
});

/** A CA, a server certificate for 127.0.0.1 and a client certificate, as docker's "Protect the daemon socket" page makes them. */
const TLS_SCRIPT = `
dir=$1; mkdir -p "$dir"; cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 1 -subj /CN=test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server-cert.pem -days 1 -extfile server.ext 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout key.pem -out client.csr -subj /CN=client 2>/dev/null
printf 'extendedKeyUsage=clientAuth\\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out cert.pem -days 1 -extfile client.ext 2>/dev/null
`;
