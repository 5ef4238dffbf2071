// compose through the compiled binary: up/down, health-gated dependencies,
// recreation of changed services only, --abort-on-container-exit, run, exec,
// logs, config, and bad input.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../fixtures/net.ts";
import { Bunker, BUNKER, expectOneLineError } from "./harness.ts";

let b: Bunker;
let dir: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  dir = mkdtempSync("/var/tmp/bunker-compose-");
});
afterAll(() => {
  b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function project(name: string, yaml: string): string {
  const d = join(dir, name);
  Bun.spawnSync(["mkdir", "-p", d]);
  writeFileSync(join(d, "compose.yaml"), yaml);
  return d;
}

function compose(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, "compose", ...args], { cwd, env: { ...process.env, ...env }, stdin: "ignore" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

const STACK = `
services:
  data:
    image: busybox
    network_mode: none
    init: true
    command: sh -c 'echo stored > /data/value; touch /tmp/ready; exec sleep 1000'
    volumes: [store:/data]
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 100ms
      retries: 30
  api:
    image: busybox
    network_mode: none
    init: true
    environment:
      MODE: \${MODE:-normal}
    command: sh -c 'echo api in $$MODE mode reads $$(cat /data/value); exec sleep 1000'
    volumes: [store:/data:ro]
    depends_on:
      data:
        condition: service_healthy
volumes:
  store:
`;

test("up -d --wait starts services after their healthy dependencies; ps, logs, exec see them; down -v removes everything", async () => {
  const cwd = project("stack", STACK);
  const up = compose(cwd, ["up", "-d", "--wait"]);
  expect(up.exitCode).toBe(0);
  expect(up.stderr).toContain("Container stack-data-1  Started");
  const ps = compose(cwd, ["ps", "--format", "json"]).stdout.trim().split("\n").map((l) => JSON.parse(l));
  expect(ps.map((c) => [c.Service, c.State])).toEqual([["data", "running"], ["api", "running"]]);
  expect(ps[0].Health).toBe("healthy");
  await b.logsUntil("stack-api-1", "\n"); // api has no health check: running does not mean it has printed yet
  expect(compose(cwd, ["logs", "api"]).stdout).toBe("stack-api-1 | api in normal mode reads stored\n");
  expect(compose(cwd, ["exec", "-T", "api", "cat", "/data/value"]).stdout).toBe("stored\n");
  // compose's labels are on the containers, for docker's own filters and tools.
  expect(b.ok(["inspect", "-f", '{{index .Config.Labels "com.docker.compose.service"}}', "stack-api-1"]).trim()).toBe("api");

  const down = compose(cwd, ["down", "-v"]);
  expect(down.exitCode).toBe(0);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  expect(b.ok(["volume", "ls", "-q"])).toBe("");
});

test("up -d again recreates only the service whose configuration changed", async () => {
  const cwd = project("changes", STACK);
  compose(cwd, ["up", "-d", "--wait"]);
  const ids = () => Object.fromEntries(["data", "api"].map((s) => [s, b.ok(["inspect", "-f", "{{.Id}}", `changes-${s}-1`]).trim()]));
  const before = ids();
  const again = compose(cwd, ["up", "-d"], { MODE: "debug" });
  expect(again.stderr).toContain("Container changes-data-1  Running");
  expect(again.stderr).toContain("Container changes-api-1  Recreate");
  const after = ids();
  expect(after.data).toBe(before.data);
  expect(after.api).not.toBe(before.api);
  await b.logsUntil("changes-api-1", "\n");
  expect(compose(cwd, ["logs", "--no-log-prefix", "api"]).stdout).toContain("api in debug mode");
  compose(cwd, ["down", "-v", "-t", "0"]);
});

test("--abort-on-container-exit stops the rest; --exit-code-from returns that service's code", () => {
  const cwd = project("abort", `
services:
  job:
    image: busybox
    network_mode: none
    command: sh -c 'echo job done; exit 3'
  server:
    image: busybox
    network_mode: none
    init: true
    command: sleep 1000
`);
  const r = compose(cwd, ["up", "--abort-on-container-exit", "--exit-code-from", "job"]);
  expect(r.exitCode).toBe(3);
  expect(r.stdout).toContain("abort-job-1");
  expect(r.stdout).toContain("job done");
  expect(b.ok(["inspect", "-f", "{{.State.Status}}", "abort-server-1"]).trim()).toBe("exited");
  compose(cwd, ["down"]);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});

test("run starts a one-off container of a service and passes on its exit code; --rm removes it", () => {
  const cwd = project("oneoff", `
services:
  tool:
    image: busybox
    network_mode: none
    environment: [GREETING=hi]
`);
  const r = compose(cwd, ["run", "--rm", "-T", "tool", "sh", "-c", "echo $GREETING; exit 4"]);
  expect([r.stdout, r.exitCode]).toEqual(["hi\n", 4]);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});

test("service keys reach the container as docker compose sets them", () => {
  const cwd = project("keys", `
services:
  box:
    image: busybox
    container_name: keyed
    hostname: keyhost
    domainname: example.test
    working_dir: /tmp
    user: "1000:1000"
    labels: { tier: keys }
    init: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [CHOWN]
    mem_limit: 64m
    cpus: 0.5
    pids_limit: 30
    ulimits: { nofile: { soft: 1000, hard: 2000 } }
    tmpfs: [/scratch]
    stop_signal: SIGUSR1
    stop_grace_period: 3s
    extra_hosts: ["db.test:10.1.2.3"]
    dns: [10.9.9.9]
    dns_search: [example.test]
    dns_opt: ["ndots:3"]
    environment: { GREETING: hi }
    entrypoint: ["sh", "-c"]
    command: ["sleep 1000"]
    restart: on-failure:2
    expose: ["7000"]
`);
  expect(compose(cwd, ["up", "-d"]).exitCode).toBe(0);
  const [c] = JSON.parse(b.ok(["inspect", "keyed"]));
  expect(c.Config).toMatchObject({ Hostname: "keyhost", Domainname: "example.test", WorkingDir: "/tmp", User: "1000:1000", StopSignal: "SIGUSR1", StopTimeout: 3, Env: ["GREETING=hi"] });
  expect([c.Config.Entrypoint, c.Config.Cmd, c.Config.Labels.tier, Object.keys(c.Config.ExposedPorts)]).toEqual([["sh", "-c"], ["sleep 1000"], "keys", ["7000/tcp"]]);
  expect(c.HostConfig).toMatchObject({
    Init: true,
    ReadonlyRootfs: true,
    CapAdd: ["CAP_NET_ADMIN"],
    CapDrop: ["CAP_CHOWN"],
    Memory: 64 * 1024 * 1024,
    NanoCpus: 5e8,
    PidsLimit: 30,
    Ulimits: [{ Name: "nofile", Soft: 1000, Hard: 2000 }],
    Tmpfs: { "/scratch": "" },
    ExtraHosts: ["db.test:10.1.2.3"],
    Dns: ["10.9.9.9"],
    DnsSearch: ["example.test"],
    DnsOptions: ["ndots:3"],
    RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 },
  });
  // And inside: the user, directory, limits, read-only root with a writable tmpfs, resolver and hosts.
  const inside = compose(cwd, ["exec", "-T", "box", "sh", "-c", "id -u; pwd; ulimit -n; touch /x 2>/dev/null || echo read-only; touch /scratch/y && echo tmpfs; grep -c -e ndots:3 -e db.test /etc/resolv.conf /etc/hosts; cat /proc/sys/kernel/domainname"]);
  expect(inside.stdout).toBe("1000\n/tmp\n1000\nread-only\ntmpfs\n/etc/resolv.conf:1\n/etc/hosts:1\nexample.test\n");
  expect(compose(cwd, ["down", "-t", "0"]).exitCode).toBe(0);
});

test("config prints the resolved model; --services lists the services", () => {
  const cwd = project("cfg", "services:\n  web:\n    image: busybox:${TAG:-stable}\n  db:\n    image: busybox\n");
  expect(compose(cwd, ["config", "--services"]).stdout).toBe("web\ndb\n");
  expect(compose(cwd, ["config", "--format", "json"], { TAG: "1.2" }).stdout).toContain('"image": "busybox:1.2"');
  expect(compose(cwd, ["-p", "other", "config"]).stdout).toStartWith("name: other\n");
});

test("bad input: an unknown key, a cycle, an unknown service, a missing file", () => {
  const bad = project("bad", "services:\n  web:\n    image: busybox\n    imagee: typo\n");
  expectOneLineError(compose(bad, ["up", "-d"]), 1, /services\.web: additional property imagee is not allowed/);
  const cyclic = project("cyclic", "services:\n  a: {image: busybox, depends_on: [b]}\n  b: {image: busybox, depends_on: [a]}\n");
  expectOneLineError(compose(cyclic, ["config"]), 1, /dependency cycle detected/);
  const ok = project("svc", "services:\n  web: {image: busybox, network_mode: none}\n");
  expectOneLineError(compose(ok, ["up", "-d", "nosuch"]), 1, /no such service: nosuch/);
  expectOneLineError(compose(dir, ["-f", "missing.yaml", "config"]), 1, /missing\.yaml: no such file or directory/);
});

test("replicas and --scale; service_completed_successfully waits for a job; orphans are removed on request", () => {
  const cwd = project("scaled", `
services:
  migrate:
    image: busybox
    network_mode: none
    command: sh -c 'echo migrated'
  worker:
    image: busybox
    network_mode: none
    init: true
    command: sleep 1000
    deploy:
      replicas: 2
    depends_on:
      migrate:
        condition: service_completed_successfully
`);
  expect(compose(cwd, ["up", "-d"]).exitCode).toBe(0);
  expect(b.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "scaled-migrate-1"]).trim()).toBe("exited 0");
  const names = () => compose(cwd, ["ps", "--format", "json"]).stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).Name).sort();
  expect(names()).toEqual(["scaled-worker-1", "scaled-worker-2"]);
  compose(cwd, ["up", "-d", "--scale", "worker=3"]);
  expect(names()).toEqual(["scaled-worker-1", "scaled-worker-2", "scaled-worker-3"]);
  // A service gone from the file leaves an orphan, removed only when asked.
  writeFileSync(join(cwd, "compose.yaml"), "services:\n  other:\n    image: busybox\n    network_mode: none\n    init: true\n    command: sleep 1000\n");
  const warned = compose(cwd, ["up", "-d"]);
  expect(warned.stderr).toContain("Found orphan containers");
  compose(cwd, ["up", "-d", "--remove-orphans"]);
  expect(names()).toEqual(["scaled-other-1"]);
  compose(cwd, ["down"]);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});

test("a failing service_completed_successfully dependency stops up with its exit code in the message", () => {
  const cwd = project("failing", `
services:
  migrate:
    image: busybox
    network_mode: none
    command: sh -c 'exit 2'
  app:
    image: busybox
    network_mode: none
    depends_on:
      migrate: {condition: service_completed_successfully}
`);
  expectOneLineError(compose(cwd, ["up", "-d"]), 1, /service "migrate" didn't complete successfully: exit 2/);
  compose(cwd, ["down"]);
});

test("Ctrl-C stops a foreground up and every container with it", async () => {
  const cwd = project("interrupt", "services:\n  svc:\n    image: busybox\n    network_mode: none\n    init: true\n    command: sh -c 'echo ready; exec sleep 1000'\n");
  const proc = Bun.spawn([BUNKER, "--root", b.root, "compose", "up"], { cwd, stdout: "pipe", stderr: "pipe" });
  let seen = "";
  for await (const chunk of proc.stdout) {
    seen += new TextDecoder().decode(chunk);
    if (seen.includes("ready") && !proc.killed) proc.kill("SIGINT");
  }
  expect(await proc.exited).toBe(130);
  expect(seen).toContain("interrupt-svc-1 exited with code 143");
  expect(await new Response(proc.stderr).text()).toContain("Gracefully stopping");
  expect(b.ok(["inspect", "-f", "{{.State.Status}}", "interrupt-svc-1"]).trim()).toBe("exited");
  compose(cwd, ["down"]);
});

test("file secrets appear read-only under /run/secrets", () => {
  const cwd = project("secrets", `
services:
  app:
    image: busybox
    network_mode: none
    command: sh -c 'cat /run/secrets/token /run/secrets/renamed; echo x > /run/secrets/token || echo read-only'
    secrets:
      - token
      - source: token
        target: renamed
secrets:
  token:
    file: ./token.txt
`);
  writeFileSync(join(cwd, "token.txt"), "s3cret\n");
  const r = compose(cwd, ["run", "--rm", "-T", "app"]);
  expect(r.stdout).toBe("s3cret\ns3cret\nread-only\n");
  compose(cwd, ["down"]);
});

// The three-service app: a published web front, an API, and a data service with a named
// volume, each with a health check so that `up --wait` returns once every server listens. The page's
// content comes from the data service through two name lookups.
const APP = (port: number) => `
services:
  web:
    image: busybox
    init: true
    ports: ["127.0.0.1:${port}:80"]
    command:
      - sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nwget -qO- http://api/cgi-bin/value\\n' > /www/cgi-bin/page
        chmod +x /www/cgi-bin/page
        exec httpd -f -p 80 -h /www
    healthcheck:
      test: ["CMD", "wget", "-qO", "/dev/null", "http://127.0.0.1/cgi-bin/page"]
      interval: 100ms
      retries: 100
    depends_on: [api]
  api:
    image: busybox
    init: true
    command:
      - sh
      - -c
      - |
        mkdir -p /www/cgi-bin
        printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\nwget -qO- http://store/value\\n' > /www/cgi-bin/value
        chmod +x /www/cgi-bin/value
        exec httpd -f -p 80 -h /www
    healthcheck:
      test: ["CMD", "wget", "-qO", "/dev/null", "http://127.0.0.1/cgi-bin/value"]
      interval: 100ms
      retries: 100
    depends_on:
      data:
        condition: service_healthy
  data:
    image: busybox
    init: true
    networks:
      default:
        aliases: [store]
    volumes: [content:/www]
    command: sh -c 'echo from-the-data-service > /www/value; exec httpd -f -p 80 -h /www'
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1/value"]
      interval: 100ms
      retries: 100
volumes:
  content:
`;

test("a three-service app comes up with --wait; its page is built from the data service by name; down -v leaves nothing", async () => {
  const port = freePort();
  const cwd = project("app", APP(port));
  const up = compose(cwd, ["up", "-d", "--wait"]);
  expect([up.exitCode, up.stderr.includes("Network app_default  Created")]).toEqual([0, true]);
  const page = await fetch(`http://127.0.0.1:${port}/cgi-bin/page`);
  expect(await page.text()).toBe("from-the-data-service\n");
  const down = compose(cwd, ["down", "-v"]);
  expect(down.exitCode).toBe(0);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  expect(b.ok(["volume", "ls", "-q"])).toBe("");
  expect(b.ok(["network", "ls"])).not.toContain("app_default");
});

test("build: up --build makes the service's image from its Dockerfile; down --rmi local removes it", () => {
  const cwd = project("built", "services:\n  app:\n    build:\n      context: ./app\n      args: [GREETING=built-by-bunker]\n    network_mode: none\n");
  Bun.spawnSync(["mkdir", "-p", join(cwd, "app")]);
  writeFileSync(join(cwd, "app", "Dockerfile"), 'FROM busybox\nARG GREETING\nRUN echo "$GREETING" > /msg\nCMD ["cat", "/msg"]\n');
  const up = compose(cwd, ["up", "--build"]);
  expect(up.exitCode).toBe(0);
  expect(up.stdout).toContain("built-app-1 | built-by-bunker");
  expect(b.ok(["images", "--format", "{{.Repository}}"])).toContain("built-app");
  expect(compose(cwd, ["down", "--rmi", "local"]).exitCode).toBe(0);
  expect(b.ok(["images", "--format", "{{.Repository}}"])).not.toContain("built-app");
});
