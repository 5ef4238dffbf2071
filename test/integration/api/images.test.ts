// The image, build, events and distribution endpoints through the docker CLI
// (and raw HTTP where the CLI does not reach), against `bunker system service`
// on a private socket; outputs compared with bunker's own CLI on the same root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type RegistryFixture, startRegistry } from "../../fixtures/registry.ts";
import { BUNKER, Bunker, busyboxTar } from "../harness.ts";

const DOCKER = "/usr/local/bin/docker";
const haveRegistry = !!Bun.which("docker-registry");

let b: Bunker;
let tmp: string;
let sock: string;
let service: Bun.Subprocess<"ignore", "ignore", "pipe">;

/** The docker CLI on the service's socket; STDIN: a file it reads from. */
function docker(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}) {
  const r = Bun.spawnSync([DOCKER, "-H", `unix://${sock}`, ...args], {
    env: { ...process.env, DOCKER_CONFIG: join(tmp, "docker"), DOCKER_BUILDKIT: "0", ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : Bun.file(opts.stdin),
  });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
}

function dockerOk(args: string[], opts?: Parameters<typeof docker>[1]): string {
  const r = docker(args, opts);
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

const api = (path: string, init: RequestInit = {}) => fetch(`http://bunker${path}`, { ...init, unix: sock } as RequestInit);

beforeAll(async () => {
  b = Bunker.withBusybox();
  tmp = mkdtempSync("/var/tmp/bunker-api-images-");
  sock = join(tmp, "api.sock");
  service = Bun.spawn([BUNKER, "--root", b.root, "system", "service", "--time", "0", `unix://${sock}`], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  // The socket is ready once the service says where it listens.
  const reader = service.stderr.getReader();
  let said = "";
  while (!said.includes("API listen on")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${said}`);
    said += new TextDecoder().decode(value);
  }
  reader.releaseLock();
});

afterAll(async () => {
  service.kill("SIGTERM");
  await service.exited;
  rmSync(tmp, { recursive: true, force: true });
  b.cleanup();
});

describe("listing and inspecting", () => {
  test("images, image inspect and history print what bunker's CLI prints", () => {
    // (-q before a second tag: the docker CLI prints an id per tag, bunker's once per image.)
    expect(dockerOk(["images", "-q", "--no-trunc"])).toBe(b.ok(["images", "-q", "--no-trunc"]));
    b.ok(["tag", "busybox", "example.com/team/tool:1"]);
    const format = "{{.Repository}} {{.Tag}} {{.ID}} {{.Size}}";
    // Two tags of one image share its created time: the docker CLI orders such ties as it likes.
    const lines = (text: string) => text.split("\n").sort();
    expect(lines(dockerOk(["images", "--format", format]))).toEqual(lines(b.ok(["images", "--format", format])));
    expect(dockerOk(["images", "--filter", "reference=example.com/*/*", "--format", format])).toBe(b.ok(["images", "--filter", "reference=example.com/*/*", "--format", format]));
    expect(dockerOk(["image", "inspect", "busybox"])).toBe(b.ok(["image", "inspect", "busybox"]));
    expect(dockerOk(["history", "-H=false", "--no-trunc", "busybox"])).toBe(b.ok(["history", "-H=false", "--no-trunc", "busybox"]));
    b.ok(["rmi", "example.com/team/tool:1"]);
  });

  test("a missing image is a 404 with dockerd's message; a bad filter a 400", async () => {
    const r = docker(["image", "inspect", "nope:1"]);
    expect([r.exitCode, r.stderr.trim()]).toEqual([1, "Error response from daemon: No such image: nope:1"]);
    const missing = await api("/v1.50/images/nope:1/json");
    expect([missing.status, await missing.json()]).toEqual([404, { message: "No such image: nope:1" }]);
    const bad = await api(`/images/json?filters=${encodeURIComponent('{"colour":["red"]}')}`);
    expect([bad.status, await bad.json()]).toEqual([400, { message: "invalid filter 'colour'" }]);
  });

  test("API versions before 1.44 see an untagged image as <none>:<none>", async () => {
    const id = b.ok(["import", busyboxTar()]).trim();
    const old = (await (await api("/v1.43/images/json")).json()) as { Id: string; RepoTags: string[]; VirtualSize?: number }[];
    expect(old.find((i) => i.Id === id)).toMatchObject({ RepoTags: ["<none>:<none>"], VirtualSize: expect.any(Number) });
    const now = (await (await api("/v1.50/images/json")).json()) as { Id: string; RepoTags: string[] }[];
    expect(now.find((i) => i.Id === id)?.RepoTags).toEqual([]);
    b.ok(["rmi", id]);
  });
});

describe("changing images", () => {
  test("tag, rmi and its conflict answer as bunker's CLI does", async () => {
    expect(dockerOk(["tag", "busybox", "mine:a"])).toBe("");
    expect(b.ok(["images", "--format", "{{.Repository}}:{{.Tag}}", "mine"])).toBe("mine:a\n");
    const r = await api("/images/busybox/tag?repo=mine&tag=b", { method: "POST" });
    expect(r.status).toBe(201);
    b.ok(["create", "--name", "user-of-b", "mine:b", "true"]);
    const conflict = await api("/images/mine:b", { method: "DELETE" });
    expect(conflict.status).toBe(200); // one of several tags: only untagged
    expect(await conflict.json()).toEqual([{ Untagged: "mine:b" }]);
    const id = JSON.parse(b.ok(["image", "inspect", "busybox"]))[0].Id;
    const inUse = await api(`/images/${id}`, { method: "DELETE" });
    expect(inUse.status).toBe(409);
    expect(dockerOk(["rmi", "mine:a"])).toBe("Untagged: mine:a\n");
    b.ok(["rm", "user-of-b"]);
  });

  test("save | load and import, as the CLI's", () => {
    dockerOk(["tag", "busybox", "saved:1"]);
    const archive = join(tmp, "saved.tar");
    dockerOk(["save", "-o", archive, "saved:1"]);
    expect(dockerOk(["rmi", "saved:1"])).toBe("Untagged: saved:1\n");
    expect(dockerOk(["load", "-i", archive])).toBe("Loaded image: saved:1\n");
    const id = dockerOk(["import", "-c", 'CMD ["echo", "imported"]', "-m", "from the API", busyboxTar(), "imported:1"]).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.ok(["run", "--rm", "imported:1"])).toBe("imported\n");
    expect(b.ok(["history", "--format", "{{.Comment}}", "imported:1"])).toBe("from the API\n");
    // The body form: docker import - reads the tarball from stdin and sends it.
    const fromStdin = dockerOk(["import", "-", "imported:2"], { stdin: busyboxTar() });
    expect(fromStdin).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    b.ok(["rmi", "saved:1", "imported:1", "imported:2"]);
  });

  test("commit takes the container's layer, the changes and the message", () => {
    b.ok(["run", "--name", "to-commit", "busybox", "sh", "-c", "echo committed > /f"]);
    const id = dockerOk(["commit", "-c", 'CMD ["cat", "/f"]', "-m", "a message", "to-commit", "committed:1"]).trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.ok(["run", "--rm", "committed:1"])).toBe("committed\n");
    const inspect = JSON.parse(dockerOk(["image", "inspect", "committed:1"]))[0];
    expect(inspect.Comment).toBe("a message");
    expect(inspect.Parent).toBe(JSON.parse(b.ok(["image", "inspect", "busybox"]))[0].Id);
    expect(inspect.Container).toStartWith(b.ok(["inspect", "--format", "{{.Id}}", "to-commit"]).trim());
    b.ok(["rm", "to-commit"]);
    b.ok(["rmi", "committed:1"]);
  });

  test("image prune -a removes what no container uses and reports it", () => {
    b.ok(["tag", "busybox", "prunable:1"]);
    const id = b.ok(["import", busyboxTar(), "prunable:2"]).trim();
    b.ok(["create", "--name", "keeps-busybox", "busybox", "true"]);
    const out = dockerOk(["image", "prune", "-a", "-f"]);
    expect(out).toContain("untagged: prunable:2");
    expect(out).toContain(`deleted: ${id}`);
    expect(out).toMatch(/Total reclaimed space: \S+/);
    expect(b.ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]).split("\n").sort()).toEqual(["", "busybox:latest", "prunable:1"]);
    b.ok(["rm", "keeps-busybox"]);
    b.ok(["rmi", "prunable:1"]);
  });
});

describe("classic build", () => {
  test("docker build (DOCKER_BUILDKIT=0) streams steps, tags the image, and reports a failing RUN", () => {
    const ctx = join(tmp, "context");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "greeting"), "hello from the context\n");
    writeFileSync(join(ctx, "Dockerfile.api"), 'FROM busybox\nARG WHO\nCOPY greeting /greeting\nRUN echo "built for $WHO"\nCMD ["cat", "/greeting"]\n');
    const out = dockerOk(["build", "-f", join(ctx, "Dockerfile.api"), "--build-arg", "WHO=tests", "--label", "from=api", "-t", "built:api", "-t", "built:two", ctx]);
    expect(out).toContain("Step 1/5 : FROM busybox\n");
    expect(out).toContain("Step 3/5 : RUN echo \"built for $WHO\"\nbuilt for tests\n");
    expect(out).toMatch(/Successfully built [0-9a-f]{12}\nSuccessfully tagged built:api\nSuccessfully tagged built:two\n$/);
    expect(b.ok(["run", "--rm", "built:api"])).toBe("hello from the context\n");
    expect(b.ok(["image", "inspect", "--format", "{{.Config.Labels.from}}", "built:two"])).toBe("api\n");
    // Again: every step from the cache.
    expect(dockerOk(["build", "-f", join(ctx, "Dockerfile.api"), "--build-arg", "WHO=tests", "--label", "from=api", "-t", "built:api", ctx]).match(/Using cache/g)?.length).toBe(4);
    // -q prints the image id only.
    const id = JSON.parse(b.ok(["image", "inspect", "built:api"]))[0].Id;
    expect(dockerOk(["build", "-q", "-f", join(ctx, "Dockerfile.api"), "--build-arg", "WHO=tests", "--label", "from=api", ctx])).toBe(`${id}\n`);

    writeFileSync(join(ctx, "Dockerfile.bad"), "FROM busybox\nRUN exit 3\n");
    const bad = docker(["build", "-f", join(ctx, "Dockerfile.bad"), ctx]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    b.ok(["rmi", "built:api", "built:two"]);
  });
});

describe("events", () => {
  test("events --since --until prints what bunker events prints, and stops", async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    b.ok(["tag", "busybox", "evented:1"]);
    b.ok(["rmi", "evented:1"]);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    // until is a second ahead: the stream follows until it passes, then ends.
    const viaApi = dockerOk(["events", "--since", since, "--until", until, "--filter", "type=image"]);
    expect(viaApi).toContain("image tag");
    expect(viaApi).toContain("image untag");
    expect(viaApi).toBe(b.ok(["events", "--since", since, "--until", until, "--filter", "type=image"]));
  });
});

describe.skipIf(!haveRegistry)("a registry with basic auth", () => {
  let reg: RegistryFixture;
  beforeAll(async () => {
    reg = await startRegistry({ auth: "htpasswd" });
  });
  afterAll(() => reg.stop());

  test("push needs login; login, push, pull and distribution inspect work through the API", async () => {
    const ref = `${reg.host}/team/busybox:1`;
    dockerOk(["tag", "busybox", ref]);
    const refused = docker(["push", ref]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("unauthorized");
    writeFileSync(join(tmp, "password"), "s3cret");
    const login = docker(["login", "-u", "tester", "--password-stdin", reg.host], { stdin: join(tmp, "password") });
    expect([login.exitCode, login.stdout.trim()]).toEqual([0, "Login Succeeded"]);
    const pushed = dockerOk(["push", ref]);
    expect(pushed).toStartWith(`The push refers to repository [${reg.host}/team/busybox]\n`);
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+\n$/.exec(pushed)?.[1];
    expect(digest).toBeDefined();

    dockerOk(["rmi", ref]);
    const pulled = dockerOk(["pull", ref]);
    expect(pulled).toStartWith("1: Pulling from team/busybox\n");
    expect(pulled).toContain(`Digest: ${digest}\n`);
    expect(pulled.trimEnd().split("\n").at(-1)).toBe(ref);
    expect(JSON.parse(dockerOk(["image", "inspect", ref]))[0].RepoDigests).toEqual([`${reg.host}/team/busybox@${digest}`]);

    // The client's credentials travel in X-Registry-Auth: the service keeps none.
    const auth = Buffer.from(JSON.stringify({ username: "tester", password: "s3cret", serveraddress: reg.host })).toString("base64url");
    const dist = await api(`/distribution/${ref}/json`, { headers: { "X-Registry-Auth": auth } });
    expect(dist.status).toBe(200);
    const body = (await dist.json()) as { Descriptor: { digest: string; mediaType: string; size: number }; Platforms: { os: string; architecture: string }[] };
    expect(body.Descriptor.digest).toBe(digest as string);
    expect(body.Platforms).toEqual([{ architecture: expect.any(String), os: "linux" }]);
    const anonymous = await api(`/distribution/${ref}/json`);
    expect(anonymous.status).toBeGreaterThanOrEqual(400);
    dockerOk(["rmi", ref]);
  });
});
