// pull, push, login against Debian's docker-registry (the reference server) on
// 127.0.0.1, with skopeo and podman as the independent clients.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pushWithSkopeo, type RegistryFixture, startRegistry } from "../fixtures/registry.ts";
import { imageFromLayers, type TestImage } from "../fixtures/test-image.ts";
import { Bunker, busyboxTar } from "./harness.ts";

const haveRegistry = !!Bun.which("docker-registry") && !!Bun.which("skopeo");
const havePodman = !!Bun.which("podman");
const PODMAN_RUN = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096", "--runtime", "runc"];

let b: Bunker;
let home: string; // DOCKER_CONFIG and REGISTRY_AUTH_FILE live here: never the host's own logins
let busybox: TestImage;

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { DOCKER_CONFIG: join(home, "docker"), REGISTRY_AUTH_FILE: join(home, "auth.json"), ...extra };
}

beforeAll(() => {
  b = new Bunker();
  home = mkdtempSync("/var/tmp/bunker-registry-home-");
  busybox = imageFromLayers([readFileSync(busyboxTar())], (t) => gzipSync(t), { cmd: ["sh"], ref: "test/busybox" });
});
afterAll(() => {
  b.cleanup();
  rmSync(home, { recursive: true, force: true });
});

const run = (args: string[], extra?: Record<string, string>) => b.run(args, { env: env(extra) });
const ok = (args: string[], extra?: Record<string, string>) => b.ok(args, { env: env(extra) });
// Async forms for the token-auth tests: the token server runs in this process and must keep answering.
const runA = (args: string[], extra?: Record<string, string>) => b.runAsync(args, { env: env(extra) });
const okA = (args: string[], extra?: Record<string, string>) => b.okAsync(args, { env: env(extra) });

describe.skipIf(!haveRegistry)("anonymous registry", () => {
  let reg: RegistryFixture;
  beforeAll(async () => {
    reg = await startRegistry();
    await pushWithSkopeo(reg, busybox);
  });
  afterAll(() => reg.stop());

  test("an image pushed by skopeo is pulled by bunker and runs", () => {
    const ref = `${reg.host}/test/busybox:latest`;
    const out = ok(["pull", ref]);
    expect(out).toContain("latest: Pulling from test/busybox");
    expect(out).toMatch(/Digest: sha256:[a-f0-9]{64}\n/);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(out.trim().split("\n").at(-1)).toBe(ref);
    expect(ok(["run", "--rm", ref, "echo", "pulled and ran"])).toBe("pulled and ran\n");
    // A second pull finds everything in place.
    expect(ok(["pull", ref])).toContain(`Status: Image is up to date for ${ref}`);
    expect(JSON.parse(ok(["image", "inspect", ref]))[0].RepoDigests[0]).toMatch(new RegExp(`^${reg.host}/test/busybox@sha256:`));
  });

  test("pull -q prints only the reference; pull by digest works", () => {
    const ref = `${reg.host}/test/busybox`;
    expect(ok(["pull", "-q", ref])).toBe(`${ref}:latest\n`);
    const digest = JSON.parse(ok(["image", "inspect", ref]))[0].RepoDigests[0].split("@")[1];
    expect(ok(["pull", "-q", `${ref}@${digest}`])).toBe(`${ref}@${digest}\n`);
  });

  test("run pulls a missing image, with the note on stderr and stdout left to the container", () => {
    const ref = `${reg.host}/test/busybox:latest`;
    ok(["rmi", "-f", ref]);
    const r = run(["run", "--rm", ref, "echo", "hi"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("hi\n");
    expect(r.stderr).toContain(`Unable to find image '${ref}' locally`);
    expect(run(["run", "--rm", "--pull", "never", `${reg.host}/test/nope`, "true"]).exitCode).toBe(125);
  });

  test("two pulls at once both succeed and store the image once", async () => {
    const ref = `${reg.host}/test/busybox:latest`;
    ok(["rmi", "-f", ref]);
    const [a, c] = await Promise.all([b.runAsync(["pull", "-q", ref]), b.runAsync(["pull", "-q", ref])]);
    expect([a.exitCode, c.exitCode]).toEqual([0, 0]);
    expect(ok(["images", "-q", ref]).trim().split("\n")).toHaveLength(1);
    expect(readdirSync(join(b.root, "image", "layers"))).toHaveLength(1);
    expect(readdirSync(join(b.root, "image", "tmp"))).toEqual([]);
  });

  test.skipIf(!havePodman)("an image imported and pushed by bunker is pulled by skopeo and runs under podman", () => {
    ok(["import", "--change", 'CMD ["sh"]', busyboxTar(), `${reg.host}/bunker/pushed:v1`]);
    const out = ok(["push", `${reg.host}/bunker/pushed:v1`]);
    expect(out).toContain(`The push refers to repository [${reg.host}/bunker/pushed]`);
    expect(out).toMatch(/: Pushed\n/);
    expect(out).toMatch(/v1: digest: sha256:[a-f0-9]{64} size: \d+\n/);
    // Pushing again finds every layer in place.
    expect(ok(["push", `${reg.host}/bunker/pushed:v1`])).toContain("Layer already exists");

    const name = `localhost/bunker-interop-${process.pid}:v1`;
    const copy = Bun.spawnSync(["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false", `docker://${reg.host}/bunker/pushed:v1`, `containers-storage:${name}`]);
    expect(copy.exitCode).toBe(0);
    try {
      const r = Bun.spawnSync(["podman", "run", "--rm", ...PODMAN_RUN, name, "echo", "pushed by bunker"]);
      expect(r.stdout.toString()).toBe("pushed by bunker\n");
    } finally {
      Bun.spawnSync(["podman", "rmi", "-f", name]);
    }
  });

  test("a pushed image pulled back into a fresh store runs with the same id", () => {
    const ref = `${reg.host}/bunker/roundtrip:latest`;
    ok(["import", busyboxTar(), ref]);
    ok(["push", "-q", ref]);
    const id = ok(["images", "-q", "--no-trunc", ref]).trim();
    const other = new Bunker();
    try {
      expect(other.ok(["pull", "-q", ref], { env: env() })).toBe(`${ref}\n`);
      expect(other.ok(["images", "-q", "--no-trunc", ref]).trim()).toBe(id);
      expect(other.ok(["run", "--rm", ref, "echo", "round trip"])).toBe("round trip\n");
    } finally {
      other.cleanup();
    }
  });

  test("push of a tag to another repository on the same registry mounts the layers", () => {
    const from = `${reg.host}/test/busybox:latest`;
    ok(["pull", "-q", from]);
    ok(["tag", from, `${reg.host}/mounted/busybox:latest`]);
    expect(ok(["push", `${reg.host}/mounted/busybox:latest`])).toMatch(/Mounted from test\/busybox/);
  });

  test("push IMAGE DESTINATION sends a local image under another name, docker:// or plain", () => {
    const from = `${reg.host}/test/busybox:latest`;
    ok(["pull", "-q", from]);
    const out = ok(["push", from, `docker://${reg.host}/renamed/busybox:v2`]);
    expect(out).toContain(`The push refers to repository [${reg.host}/renamed/busybox]\n`);
    expect(out).toMatch(/: Mounted from test\/busybox\n/);
    expect(out).toMatch(/\nv2: digest: sha256:[a-f0-9]{64} size: \d+\n$/);
    expect(ok(["push", "-q", from, `${reg.host}/renamed/busybox:v3`])).toBe(`${from}\n`);
    const other = new Bunker();
    try {
      expect(other.ok(["pull", "-q", `docker://${reg.host}/renamed/busybox:v3`], { env: env() })).toBe(`${reg.host}/renamed/busybox:v3\n`);
      expect(other.ok(["run", "--rm", `${reg.host}/renamed/busybox:v3`, "echo", "renamed"])).toBe("renamed\n");
    } finally {
      other.cleanup();
    }
  });

  test("search lists the registry's matching repositories", () => {
    const out = ok(["search", `${reg.host}/busy`]);
    expect(out.split("\n")[0]).toMatch(/^NAME +DESCRIPTION +STARS +OFFICIAL$/);
    expect(out).toContain(`${reg.host}/test/busybox`);
    expect(ok(["search", `${reg.host}/nothing-like-this`]).trim().split("\n")).toHaveLength(1);
  });

  test("unknown images and tags fail with one line", () => {
    const r = run(["pull", `${reg.host}/test/nosuch:latest`]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/manifest unknown|not found/i);
  });
});

describe.skipIf(!haveRegistry)("authentication", () => {
  for (const auth of ["htpasswd", "token"] as const) {
    describe(auth, () => {
      let reg: RegistryFixture;
      beforeAll(async () => {
        reg = await startRegistry({ auth });
        await pushWithSkopeo(reg, busybox);
      });
      afterAll(() => reg.stop());

      test("pull without credentials is refused with one line and exit 1", async () => {
        const r = await runA(["pull", `${reg.host}/test/busybox`]);
        expect(r.exitCode).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
      });

      test("wrong credentials fail login with one clear line and exit 1", async () => {
        const bad = await b.runAsync(["login", "-u", "tester", "--password-stdin", reg.host], { env: env(), stdin: "wrong\n" });
        expect(bad.exitCode).toBe(1);
        expect(bad.stderr.trim().split("\n")).toHaveLength(1);
        expect(existsSync(join(home, "docker", "config.json")) ? readFileSync(join(home, "docker", "config.json"), "utf8") : "").not.toContain(reg.host);
      });

      test("login, then pull and push; logout forgets", async () => {
        const login = await b.runAsync(["login", "-u", "tester", "--password-stdin", reg.host], { env: env(), stdin: "s3cret\n" });
        expect(login.stdout).toContain("Login Succeeded");
        expect(login.exitCode).toBe(0);
        const config = JSON.parse(readFileSync(join(home, "docker", "config.json"), "utf8"));
        expect(Buffer.from(config.auths[reg.host].auth, "base64").toString()).toBe("tester:s3cret");
        expect(await okA(["run", "--rm", `${reg.host}/test/busybox`, "echo", "authed"])).toBe("authed\n");
        await okA(["tag", `${reg.host}/test/busybox`, `${reg.host}/test/pushed:${auth}`]);
        expect(await okA(["push", `${reg.host}/test/pushed:${auth}`])).toMatch(/digest: sha256:/);
        expect(await okA(["logout", reg.host])).toBe(`Removing login credentials for ${reg.host}\n`);
        await okA(["rmi", "-f", `${reg.host}/test/busybox`]);
        expect((await runA(["pull", `${reg.host}/test/busybox`])).exitCode).toBe(1);
      });

      test("credentials written by podman (auth.json) and in docker's config.json format work", async () => {
        const authFile = join(home, `podman-${auth}.json`);
        if (havePodman) {
          const p = Bun.spawn(["podman", "login", "--tls-verify=false", "--authfile", authFile, "-u", "tester", "-p", "s3cret", reg.host], { stdout: "ignore", stderr: "ignore" });
          expect(await p.exited).toBe(0);
          await runA(["rmi", "-f", `${reg.host}/test/busybox`]);
          expect((await runA(["pull", "-q", `${reg.host}/test/busybox`], { REGISTRY_AUTH_FILE: authFile })).exitCode).toBe(0);
        }
        const dockerDir = join(home, `docker-${auth}`);
        mkdirSync(dockerDir, { recursive: true });
        writeFileSync(join(dockerDir, "config.json"), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("tester:s3cret").toString("base64") } } }));
        await runA(["rmi", "-f", `${reg.host}/test/busybox`]);
        expect((await runA(["pull", "-q", `${reg.host}/test/busybox`], { DOCKER_CONFIG: dockerDir })).exitCode).toBe(0);
      });

      if (auth === "token") {
        test("the token server issued the tokens", () => {
          expect((reg as RegistryFixture & { tokenServer?: { requests: number } }).tokenServer?.requests).toBeGreaterThan(0);
        });
      }
    });
  }
});

test.skipIf(!haveRegistry)("the credentials file bunker writes is private (0600)", () => {
  expect(statSync(join(home, "docker", "config.json")).mode & 0o777).toBe(0o600);
});
