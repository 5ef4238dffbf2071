// Two public projects' compose files, run unchanged apart from their image
// names: podman-compose's busybox example (Debian's podman-compose package)
// and newsboat's miniflux setup (Debian's newsboat package). Their images
// (redis, miniflux, postgres) cannot be pulled here, so each is replaced by a
// stand-in built from busybox that listens where the original would.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianPackageFiles } from "../fixtures/debian-package.ts";
import { Bunker, BUNKER } from "./harness.ts";

let b: Bunker;
const temps: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};

/** A busybox image named `name` running `server`: what stands in for an image that cannot be pulled. Its shell stops on SIGTERM. */
function standIn(name: string, server: string): void {
  const ctx = temp("bunker-standin-");
  writeFileSync(join(ctx, "Dockerfile"), `FROM busybox\nCMD ${JSON.stringify(["sh", "-c", `trap 'exit 0' TERM; ${server} & wait`])}\n`);
  b.ok(["build", "-q", "-t", name, ctx]);
}

/** The project `file` of package `pkg`, copied into a directory of its own with only its image names replaced. */
function project(pkg: string, file: string, images: Record<string, string>): string {
  const files = debianPackageFiles(pkg);
  temps.push(files);
  let text = readFileSync(join(files, file), "utf8");
  for (const [from, to] of Object.entries(images)) text = text.replaceAll(`image: ${from}`, `image: ${to}`);
  const dir = join(temp(`bunker-${pkg}-`), "app");
  mkdirSync(dir);
  writeFileSync(join(dir, file.split("/").pop() as string), text);
  return dir;
}

/**
 * An override file next to the project's own file, as a user would add one, giving `service` a health check that fetches `url`:
 * `up --wait` then returns once the server listens, with no polling in the test.
 */
function readyWhenServing(dir: string, service: string, url: string): void {
  const base = readdirSync(dir).find((f) => /\.ya?ml$/.test(f)) as string;
  const check = { test: ["CMD", "wget", "-q", "-O", "/dev/null", url], interval: "200ms", retries: 100 };
  writeFileSync(join(dir, base.replace(/\.(ya?ml)$/, ".override.$1")), JSON.stringify({ services: { [service]: { healthcheck: check } } }));
}

function compose(cwd: string, args: string[]) {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, "compose", ...args], { cwd, stdin: "ignore" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

beforeAll(() => {
  b = Bunker.withBusybox();
  standIn("redis-standin", "while true; do echo +PONG | nc -l -p 6379; done");
  standIn("miniflux-standin", "mkdir -p /www && echo miniflux-page > /www/index.html && httpd -f -p 8080 -h /www");
  standIn("postgres-standin", "sleep 100000");
});
afterAll(() => {
  b.cleanup();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

test("podman-compose's busybox example: published on a random port, links resolve, environment as written", async () => {
  const dir = project("podman-compose", "usr/share/doc/podman-compose/examples/busybox/docker-compose.yaml", { "redis:alpine": "redis-standin" });
  readyWhenServing(dir, "frontend", "http://127.0.0.1:8080/etc/hostname");
  const up = compose(dir, ["up", "-d", "--wait"]);
  expect([up.exitCode, up.stderr.includes("Container app-frontend-1  Started")]).toEqual([0, true]);
  const port = compose(dir, ["port", "frontend", "8080"]).stdout.trim().split(":").pop();
  const page = await fetch(`http://127.0.0.1:${port}/etc/hostname`);
  expect(page.status).toBe(200);
  // links: [redis:myredis] makes the redis service reachable as myredis.
  expect(compose(dir, ["exec", "-T", "frontend", "ping", "-c1", "myredis"]).exitCode).toBe(0);
  expect(compose(dir, ["exec", "-T", "frontend", "env"]).stdout).toContain("SECRET_KEY2=aabbcc\n");
  expect(b.ok(["inspect", "-f", '{{index .Config.Labels "my.label"}}', "app-frontend-1"]).trim()).toBe("my_value");
  expect(compose(dir, ["down", "-t", "1"]).exitCode).toBe(0); // its busybox httpd, as PID 1, ignores SIGTERM
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});

test("newsboat's miniflux setup: the app on host port 80 reaches its database by name; down -v removes the volume", async () => {
  const dir = project("newsboat", "usr/share/doc/newsboat/contrib/miniflux/docker-compose.yml", {
    "miniflux/miniflux:latest": "miniflux-standin",
    "postgres:latest": "postgres-standin",
  });
  readyWhenServing(dir, "miniflux", "http://127.0.0.1:8080/");
  const up = compose(dir, ["up", "-d", "--wait"]);
  expect(up.exitCode).toBe(0);
  expect(b.ok(["inspect", "-f", "{{.State.Health.Status}}", "app-miniflux-1"])).toBe("healthy\n");
  expect(await (await fetch("http://127.0.0.1:80/")).text()).toBe("miniflux-page\n");
  expect(compose(dir, ["exec", "-T", "miniflux", "ping", "-c1", "db"]).exitCode).toBe(0);
  expect(compose(dir, ["exec", "-T", "miniflux", "env"]).stdout).toContain("DATABASE_URL=postgres://miniflux:miniflux@db/miniflux?sslmode=disable\n");
  expect(b.ok(["volume", "ls", "-q"])).toBe("app_miniflux-db\n");
  expect(compose(dir, ["down", "-v"]).exitCode).toBe(0);
  expect(b.ok(["volume", "ls", "-q"])).toBe("");
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});
