// The store against a local unprivileged user (issue 15, items 3 and 8d): a
// container's `-e` values live in container.json and the OCI config.json,
// its output in the json log, registry passwords in the docker config. None
// may be readable by another user, as under docker (/var/lib/docker 0710,
// config.v2.json 0600). And bunker changes no mode outside its own root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRegistry } from "../../fixtures/registry.ts";
import { BUNKER, Bunker, busyboxTar } from "../harness.ts";

const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
const MAP = ["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"];
const haveRegistry = !!Bun.which("docker-registry");

/** Everything user nobody gets out of PATHS: every file found under them, and each one named outright. */
function readAsNobody(paths: string[]): string {
  const quoted = paths.map((p) => `'${p}'`).join(" ");
  const script = `find ${quoted} -type f -exec cat {} + 2>&1; for f in ${quoted}; do cat "$f" 2>&1; done; true`;
  const r = Bun.spawnSync([...NOBODY, "sh", "-c", script]);
  expect(r.exitCode).toBe(0);
  return r.stdout.toString() + r.stderr.toString();
}

/** A path's mode in octal, as a failure shows it best. */
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
/** The lines of TEXT that hold SECRET (none, in a store that holds). */
const leaks = (text: string, secret: string) => text.split("\n").filter((l) => l.includes(secret));

/** A fresh root made by bunker itself, under a parent any user may pass through (as /var/lib is). */
function rootUnderOpenParent(): { b: Bunker; parent: string } {
  const parent = mkdtempSync("/var/tmp/bunker-store-");
  chmodSync(parent, 0o755);
  const b = new Bunker(join(parent, "root"));
  b.ok(["import", busyboxTar(), "busybox"]);
  return { b, parent };
}

/** The files that hold container ID's secrets. */
function secretFiles(b: Bunker, id: string): string[] {
  const dir = join(b.root, "containers", id);
  return [join(dir, "container.json"), join(dir, "config.json"), join(dir, `${id}-json.log`)];
}

describe("a local user", () => {
  let b: Bunker;
  let parent: string;
  beforeAll(() => ({ b, parent } = rootUnderOpenParent()));
  afterAll(() => {
    b.cleanup();
    rmSync(parent, { recursive: true, force: true });
  });

  test("cannot read another container's -e values or output", async () => {
    const secret = `hunter2-${crypto.randomUUID()}`;
    const id = b.ok(["run", "-d", "-e", `SECRET=${secret}`, "busybox", "sh", "-c", 'echo "$SECRET"; exec sleep 1000']).trim();
    await b.logsUntil(id, secret);
    const files = secretFiles(b, id);
    for (const f of files) expect(readFileSync(f, "utf8")).toContain(secret); // root reads them: the secret is there to find
    const seen = readAsNobody([b.root, ...files, join(b.root, "containers", id), join(b.root, "run", "containers", `${id}.json`)]);
    expect(seen).toContain("Permission denied"); // it did try
    expect(leaks(seen, secret)).toEqual([]);
    expect(mode(b.root)).toBe("710");
    expect(mode(join(b.root, "containers"))).toBe("710");
    expect(mode(join(b.root, "containers", id))).toBe("710");
    for (const f of files) expect(mode(f)).toBe("600");
    expect(mode(join(b.root, "run"))).toBe("700");
    b.ok(["rm", "-f", id]);
  });

  test("a container running as a non-root user still reads its /etc files and writes to a named volume", () => {
    b.ok(["volume", "create", "userdata"]);
    expect(mode(join(b.root, "volumes"))).toBe("700");
    b.ok(["run", "--rm", "-v", "userdata:/data", "busybox", "chown", "1000", "/data"]);
    const out = b.ok(["run", "--rm", "-u", "1000", "-v", "userdata:/data", "busybox", "sh", "-c", "head -1 /etc/hosts; cat /etc/hostname /etc/resolv.conf >/dev/null && echo w > /data/f && cat /data/f"]);
    expect(out).toBe("127.0.0.1\tlocalhost\nw\n");
    b.ok(["volume", "rm", "userdata"]);
  });

  test("the caller's umask changes no mode: neither the store's nor what the container's users see", () => {
    const umasked = (mask: string, args: string[]) => {
      const r = Bun.spawnSync(["sh", "-c", `umask ${mask} && exec "$@"`, "sh", BUNKER, "--root", b.root, ...args]);
      if (r.exitCode !== 0) throw new Error(`bunker ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
      return r.stdout.toString();
    };
    const id = umasked("000", ["create", "-e", "SECRET=x", "busybox", "true"]).trim();
    umasked("000", ["start", "-a", id]);
    expect(mode(join(b.root, "containers", id))).toBe("710");
    for (const f of secretFiles(b, id)) expect(mode(f)).toBe("600");
    const seen = umasked("077", ["run", "--rm", "-u", "1000", "busybox", "sh", "-c", "stat -c %a / /etc /etc/hosts; head -1 /etc/hosts"]);
    expect(seen).toBe("755\n755\n644\n127.0.0.1\tlocalhost\n");
    b.ok(["rm", id]);
  });

  test.skipIf(!haveRegistry)("cannot read the registry password that login stored", async () => {
    const reg = await startRegistry({ auth: "htpasswd" });
    const home = mkdtempSync("/var/tmp/bunker-store-home-");
    try {
      // A docker config that was readable before: login must not leave the password in it readable.
      chmodSync(home, 0o755);
      mkdirSync(join(home, "docker"), { mode: 0o755 });
      writeFileSync(join(home, "docker", "config.json"), '{"detachKeys": "ctrl-x"}\n', { mode: 0o644 });
      const env = { DOCKER_CONFIG: join(home, "docker"), REGISTRY_AUTH_FILE: join(home, "auth.json") };
      const login = await b.runAsync(["login", "-u", "tester", "--password-stdin", reg.host], { env, stdin: "s3cret\n" });
      expect(login.exitCode).toBe(0);
      const config = join(home, "docker", "config.json");
      const auth = JSON.parse(readFileSync(config, "utf8")).auths[reg.host].auth;
      const seen = readAsNobody([home, config]);
      expect(seen).toContain("Permission denied");
      expect(leaks(seen, auth)).toEqual([]);
      expect(leaks(seen, "s3cret")).toEqual([]);
    } finally {
      await reg.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  test("system check reports a loosened store and --repair shuts it again", async () => {
    const secret = `hunter3-${crypto.randomUUID()}`;
    const id = b.ok(["run", "-d", "-e", `SECRET=${secret}`, "busybox", "sh", "-c", 'echo "$SECRET"; exec sleep 1000']).trim();
    await b.logsUntil(id, secret);
    b.ok(["volume", "create", "loose"]);
    Bun.spawnSync(["chmod", "-R", "go+rwX", b.root]);
    expect(leaks(readAsNobody([b.root]), secret)).not.toEqual([]); // the attack works on a loosened store

    const check = b.run(["system", "check"]);
    expect(check.exitCode).toBe(1);
    for (const p of [b.root, join(b.root, "containers", id), ...secretFiles(b, id), join(b.root, "volumes")]) expect(check.stdout).toContain(`${p} has mode`);

    const repair = b.run(["system", "check", "--repair"]);
    expect(repair.exitCode).toBe(0);
    expect(leaks(readAsNobody([b.root, ...secretFiles(b, id)]), secret)).toEqual([]);
    expect(mode(b.root)).toBe("710");
    expect(mode(join(b.root, "containers"))).toBe("710");
    expect(mode(join(b.root, "containers", id))).toBe("710");
    for (const f of secretFiles(b, id)) expect(mode(f)).toBe("600");
    expect(mode(join(b.root, "run"))).toBe("710"); // the widest the run root may be (the API socket's group passes);
    expect(mode(join(b.root, "volumes"))).toBe("700");
    expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
    b.ok(["rm", "-f", id]);
    b.ok(["volume", "rm", "loose"]);
  });
});

describe("--uidmap", () => {
  let b: Bunker;
  let top: string;
  beforeAll(() => {
    // Parents that only root may enter, two deep: bunker must neither need nor open them.
    top = mkdtempSync("/var/tmp/bunker-private-");
    mkdirSync(join(top, "inner"), { mode: 0o700 });
    chmodSync(join(top, "inner"), 0o700);
    b = new Bunker(join(top, "inner", "root"));
    b.ok(["import", busyboxTar(), "busybox"]);
  });
  afterAll(() => {
    b.cleanup();
    rmSync(top, { recursive: true, force: true });
  });

  test("runs under a root whose parents are 0700 and changes no directory's mode", () => {
    b.ok(["volume", "create", "mapped"]);
    const out = b.ok(["run", "--rm", ...MAP, "-v", "mapped:/data", "busybox", "sh", "-c", "id -u; head -1 /etc/hosts; ls -d /data"]);
    expect(out).toBe("0\n127.0.0.1\tlocalhost\n/data\n");
    expect(mode(top)).toBe("700");
    expect(mode(join(top, "inner"))).toBe("700");
    expect(mode(b.root)).toBe("710");
    expect(mode(join(b.root, "containers"))).toBe("710");
    b.ok(["volume", "rm", "mapped"]);
  });
});
