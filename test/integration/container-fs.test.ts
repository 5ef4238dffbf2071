// cp, diff, export and commit on running and stopped containers. The escape
// tests give a container symlinks that point at a host file (absolute, and
// relative with enough ".." to climb out of the rootfs): every path must
// resolve inside the container, so the host file is never read or written.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, chownSync } from "node:fs";
import { join } from "node:path";
import { startRegistry } from "../fixtures/registry.ts";
import { Bunker, BUNKER, expectOneLineError } from "./harness.ts";

let b: Bunker;
let tmp: string; // host-side files of these tests
beforeAll(() => {
  b = Bunker.withBusybox();
  tmp = mkdtempSync("/var/tmp/bunker-cp-test-");
});
afterAll(() => {
  b.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

/** A detached container running `sleep`, and its pid (its root is /proc/<pid>/root from here). */
function runDetached(name: string, image = "busybox"): number {
  b.ok(["run", "-d", "--name", name, image, "sleep", "600"]);
  return Number(b.ok(["inspect", "-f", "{{.State.Pid}}", name]).trim());
}

/** A host tree: a file, and a directory with a nested file. */
function hostTree(dir: string): void {
  mkdirSync(join(dir, "tree", "sub"), { recursive: true });
  writeFileSync(join(dir, "file.txt"), "file content\n");
  writeFileSync(join(dir, "tree", "top.txt"), "top\n");
  writeFileSync(join(dir, "tree", "sub", "deep.txt"), "deep\n");
}

const tarList = (tar: Uint8Array) => {
  const r = Bun.spawnSync(["tar", "-tv"], { stdin: tar });
  return r.stdout.toString();
};

describe.each([["running"], ["stopped"]])("cp with a %s container", (mode) => {
  const name = `cp-${mode}`;
  let dir: string;
  beforeAll(() => {
    dir = join(tmp, name);
    hostTree(dir);
    if (mode === "running") runDetached(name);
    else b.ok(["create", "--name", name, "busybox", "true"]);
  });

  test("a file and a directory go in and come back out", () => {
    b.ok(["cp", join(dir, "file.txt"), `${name}:/file.txt`]); // a new name
    b.ok(["cp", join(dir, "tree"), `${name}:/tmp`]); // into an existing directory: /tmp/tree
    b.ok(["cp", join(dir, "tree"), `${name}:/copy`]); // a new directory with the contents
    b.ok(["cp", `${join(dir, "tree")}/.`, `${name}:/etc`]); // the contents into an existing directory

    const out = join(dir, "out");
    mkdirSync(out);
    b.ok(["cp", `${name}:/file.txt`, join(out, "renamed.txt")]);
    b.ok(["cp", `${name}:/tmp/tree`, out]);
    b.ok(["cp", `${name}:/copy/.`, join(out, "contents")]);
    b.ok(["cp", `${name}:etc/top.txt`, out]); // the leading "/" is optional
    expect(readFileSync(join(out, "renamed.txt"), "utf8")).toBe("file content\n");
    expect(readFileSync(join(out, "tree", "sub", "deep.txt"), "utf8")).toBe("deep\n");
    expect(readdirSync(join(out, "contents")).sort()).toEqual(["sub", "top.txt"]);
    expect(readFileSync(join(out, "top.txt"), "utf8")).toBe("top\n");
    // A file copied over an existing one replaces it.
    writeFileSync(join(dir, "file.txt"), "second\n");
    b.ok(["cp", join(dir, "file.txt"), `${name}:/file.txt`]);
    b.ok(["cp", `${name}:/file.txt`, join(out, "renamed.txt")]);
    expect(readFileSync(join(out, "renamed.txt"), "utf8")).toBe("second\n");
  });

  test("on a terminal, says how much it copied (-q keeps quiet)", () => {
    const cp = (flags: string) => Bun.spawnSync(["script", "-qec", `${BUNKER} --root ${b.root} cp ${flags} ${name}:/etc/group ${join(dir, "group")}`, "/dev/null"]);
    expect(cp("").stdout.toString()).toMatch(new RegExp(`^Successfully copied \\d+B to ${join(dir, "group")}\r?\n$`));
    expect(cp("-q").stdout.toString()).toBe("");
  });

  test("- streams a tar in and out", () => {
    const tar = Bun.spawnSync(["tar", "-C", dir, "-c", "tree"]).stdout;
    b.ok(["cp", "-", `${name}:/`], { stdin: tar });
    const r = Bun.spawnSync([BUNKER, "--root", b.root, "cp", `${name}:/tree`, "-"]);
    expect(r.exitCode).toBe(0);
    expect(tarList(r.stdout)).toMatch(/tree\/sub\/deep\.txt/);
    // A tar can only be unpacked into a directory.
    expectOneLineError(b.run(["cp", "-", `${name}:/tree/top.txt`], { stdin: tar }), 1, /must be a directory/);
  });

  test("-a keeps the owners; without it files in the container belong to root", () => {
    chownSync(join(dir, "file.txt"), 1234, 5678);
    b.ok(["cp", "-a", join(dir, "file.txt"), `${name}:/owned`]);
    b.ok(["cp", join(dir, "file.txt"), `${name}:/rooted`]);
    const r = Bun.spawnSync([BUNKER, "--root", b.root, "cp", `${name}:/`, "-"]);
    const list = tarList(r.stdout);
    expect(list).toMatch(/1234\/5678 .* \.\/owned\n/);
    expect(list).toMatch(/0\/0 .* \.\/rooted\n/);
    // A running container's /proc, /sys and /dev are the kernel's: empty directories, as docker copies them.
    expect(list).toMatch(/ \.\/proc\/\n/);
    expect(list).not.toContain("./proc/self");
    expect(list).not.toContain("./sys/kernel");
    b.ok(["cp", "-a", `${name}:/owned`, join(dir, "owned-out")]);
    expect([statSync(join(dir, "owned-out")).uid, statSync(join(dir, "owned-out")).gid]).toEqual([1234, 5678]);
  });

  test("missing paths are docker's errors", () => {
    expectOneLineError(b.run(["cp", `${name}:/nonexistent`, join(dir, "x")]), 1, new RegExp(`Could not find the file /nonexistent in container ${name}`));
    expectOneLineError(b.run(["cp", join(dir, "file.txt"), `${name}:/no/such/dir/x`]), 1, /Could not find the file \/no\/such\/dir in container/);
    expectOneLineError(b.run(["cp", join(dir, "nonexistent"), `${name}:/`]), 1, /no such file or directory/);
    expectOneLineError(b.run(["cp", join(dir, "tree"), `${name}:/file.txt`]), 1, /cannot overwrite non-directory/);
    expectOneLineError(b.run(["cp", `${name}:/file.txt`, `${name}:/x`]), 1, /copying between containers is not supported/);
    expectOneLineError(b.run(["cp", "nope:/x", join(dir, "x")]), 1, /No such container: nope/);
  });
});

test("what cp puts into a --uidmap container belongs to its root as the host numbers it", () => {
  b.ok(["run", "-d", "--name", "mapped", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", "busybox", "sleep", "600"]);
  const pid = Number(b.ok(["inspect", "-f", "{{.State.Pid}}", "mapped"]).trim());
  writeFileSync(join(tmp, "for-mapped"), "x\n");
  b.ok(["cp", join(tmp, "for-mapped"), "mapped:/for-mapped"]);
  const st = statSync(`/proc/${pid}/root/for-mapped`);
  expect([st.uid, st.gid]).toEqual([100000, 100000]);
});

describe("symlinks in a container never reach the host", () => {
  let hostDir: string;
  let secret: string;
  const SECRET = "host secret, never to be read or changed\n";
  let before: { mtimeMs: number; entries: string[] };

  beforeAll(() => {
    hostDir = join(tmp, "host");
    mkdirSync(hostDir);
    secret = join(hostDir, "secret");
    writeFileSync(secret, SECRET);
    before = { mtimeMs: statSync(secret).mtimeMs, entries: readdirSync(hostDir) };
    // /etc/passwd and /abs point at the host absolutely, /rel climbs out with "..": made in an image, by commit.
    const climb = "../".repeat(20);
    b.ok(["run", "--name", "evil-setup", "busybox", "sh", "-c", `rm /etc/passwd; ln -s ${secret} /etc/passwd; ln -s ${hostDir} /abs; ln -s ${climb}${hostDir.slice(1)} /rel`]);
    b.ok(["commit", "evil-setup", "evil"]);
    b.ok(["rm", "evil-setup"]);
  });

  function hostUntouched(): void {
    expect(readFileSync(secret, "utf8")).toBe(SECRET);
    expect(statSync(secret).mtimeMs).toBe(before.mtimeMs);
    expect(readdirSync(hostDir)).toEqual(before.entries);
  }

  test.each([["running"], ["stopped"]])("cp out of and into the symlinks of a %s container", (mode) => {
    const name = `evil-${mode}`;
    if (mode === "running") runDetached(name, "evil");
    else b.ok(["create", "--name", name, "evil", "true"]);
    const out = join(tmp, `evil-out-${mode}`);
    mkdirSync(out);

    // Without -L the link itself is copied; with -L it resolves inside the rootfs, where there is no such file.
    b.ok(["cp", `${name}:/etc/passwd`, join(out, "link")]);
    expect(readlinkSync(join(out, "link"))).toBe(secret);
    for (const src of ["/etc/passwd", "/abs/secret", "/rel/secret"]) {
      expectOneLineError(b.run(["cp", "-L", `${name}:${src}`, join(out, "x")]), 1, new RegExp(`Could not find the file ${src} in container ${name}`));
    }
    expectOneLineError(b.run(["cp", `${name}:/abs/secret`, join(out, "x")]), 1, /Could not find the file/);
    const tar = Bun.spawnSync([BUNKER, "--root", b.root, "cp", "-L", `${name}:/etc/passwd`, "-"]);
    expect(tar.exitCode).toBe(1);
    expect(tar.stdout.length).toBe(0);

    // Writes through the links land in the container, or fail; never on the host.
    writeFileSync(join(out, "payload"), "payload\n");
    b.ok(["cp", join(out, "payload"), `${name}:/etc/passwd`]);
    expect(b.run(["cp", join(out, "payload"), `${name}:/abs/secret`]).exitCode).toBe(1);
    expect(b.run(["cp", join(out, "payload"), `${name}:/rel/`]).exitCode).toBe(1);
    const stream = Bun.spawnSync(["tar", "-C", out, "-c", "payload"]).stdout;
    expect(b.run(["cp", "-", `${name}:/abs`], { stdin: stream }).exitCode).toBe(1);
    hostUntouched();
    b.ok(["cp", `${name}:/etc/passwd`, join(out, "passwd-now")]);
    expect(readFileSync(join(out, "passwd-now"), "utf8")).toBe("payload\n");
  });

  test("an archive's own symlinks cannot carry later entries out of the destination", () => {
    // A tar whose first entry links "esc" to the host directory and whose second writes through it.
    const dir = join(tmp, "tarsrc");
    mkdirSync(join(dir, "esc"), { recursive: true });
    writeFileSync(join(dir, "esc", "secret"), "overwritten\n");
    const linkDir = join(tmp, "tarsrc-link");
    mkdirSync(linkDir);
    Bun.spawnSync(["ln", "-s", hostDir, join(linkDir, "esc")]);
    const tar = Buffer.concat([
      Bun.spawnSync(["tar", "-C", linkDir, "-c", "esc"]).stdout.subarray(0, 512), // the symlink's header only
      Bun.spawnSync(["tar", "-C", dir, "-c", "esc/secret"]).stdout,
    ]);
    b.ok(["create", "--name", "tar-escape", "busybox", "true"]);
    expectOneLineError(b.run(["cp", "-", "tar-escape:/tmp"], { stdin: tar }), 1, /cannot create directory tmp\/esc/);
    hostUntouched();
    expect(lstatSync(join(linkDir, "esc")).isSymbolicLink()).toBe(true);
  });
});

test("diff lists docker's A, C and D lines from the writable layer", () => {
  b.ok(["run", "--name", "differ", "busybox", "sh", "-c", "echo x > /added; mkdir -p /newdir/sub; touch /newdir/sub/f; rm /bin/vi; echo y >> /etc/profile-new; rm -rf /home; true"]);
  const lines = b.ok(["diff", "differ"]).trim().split("\n");
  expect(lines).toEqual(expect.arrayContaining(["A /added", "A /newdir", "A /newdir/sub", "A /newdir/sub/f", "C /bin", "D /bin/vi", "C /etc", "A /etc/profile-new"]));
  expect(lines.filter((l) => l.startsWith("A /newdir"))).toEqual(["A /newdir", "A /newdir/sub", "A /newdir/sub/f"]);
  expect(b.ok(["container", "diff", "differ"])).toBe(lines.join("\n") + "\n");
  expectOneLineError(b.run(["diff", "nope"]), 1, /No such container: nope/);
});

describe("export", () => {
  test("writes the merged filesystem, without mounts, to stdout or -o", () => {
    b.ok(["run", "--name", "exporter", "busybox", "sh", "-c", "echo exported > /marker; rm /bin/vi"]);
    const r = Bun.spawnSync([BUNKER, "--root", b.root, "export", "exporter"]);
    expect(r.exitCode).toBe(0);
    const list = tarList(r.stdout);
    expect(list).toMatch(/ marker\n/);
    expect(list).toMatch(/ bin\/busybox\n/);
    expect(list).not.toMatch(/ bin\/vi\n/);
    const file = join(tmp, "export.tar");
    b.ok(["export", "-o", file, "exporter"]);
    expect(readFileSync(file).equals(Buffer.from(r.stdout))).toBe(true);
    const extracted = join(tmp, "exported");
    mkdirSync(extracted);
    Bun.spawnSync(["tar", "-C", extracted, "-xf", file]);
    expect(readFileSync(join(extracted, "marker"), "utf8")).toBe("exported\n");

    // A running container: its filesystem; of its mounts (/proc, a volume) only the mount points.
    b.ok(["run", "-d", "--name", "exporter-live", "-v", "exported-vol:/vol", "busybox", "sleep", "600"]);
    b.ok(["cp", join(tmp, "export.tar"), "exporter-live:/live-file"]);
    b.ok(["cp", join(tmp, "export.tar"), "exporter-live:/vol/in-volume"]);
    const live = tarList(Bun.spawnSync([BUNKER, "--root", b.root, "export", "exporter-live"]).stdout);
    expect(live).toMatch(/ live-file\n/);
    expect(live).toMatch(/ vol\/\n/);
    expect(live).not.toContain("in-volume");
    expect(live).toMatch(/ proc\/\n/);
    expect(live).not.toContain("proc/self");
  });

  test("refuses to write a tar to a terminal", () => {
    const r = Bun.spawnSync(["script", "-qec", `${BUNKER} --root ${b.root} export exporter`, "/dev/null"]);
    expect(r.stdout.toString()).toContain("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    expect(r.exitCode).toBe(1);
  });
});

describe("commit", () => {
  test("makes an image of the container's changes, with -c, -m and -a", () => {
    b.ok(["run", "--name", "committer", "-e", "FROM_RUN=1", "busybox", "sh", "-c", "echo committed > /data.txt; rm /bin/vi"]);
    const id = b.ok(["commit", "-c", 'CMD ["cat", "/data.txt"]', "-c", "ENV K=V", "-m", "the message", "-a", "Tester <t@example.com>", "committer", "committed:v1"]).trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(b.ok(["run", "--rm", "committed:v1"])).toBe("committed\n");
    expect(b.run(["run", "--rm", "committed:v1", "ls", "/bin/vi"]).exitCode).toBe(1); // the deletion is a whiteout in the layer
    const [image] = JSON.parse(b.ok(["image", "inspect", "committed:v1"]));
    expect(image.Id).toBe(id);
    expect(image.Author).toBe("Tester <t@example.com>");
    expect(image.Config.Env).toEqual(expect.arrayContaining(["FROM_RUN=1", "K=V"]));
    expect(image.RootFS.Layers).toHaveLength(2);
    expect(b.ok(["history", "--format", "{{.Comment}}", "committed:v1"]).split("\n")[0]).toBe("the message");
    expectOneLineError(b.run(["commit", "-c", "FROM x", "committer"]), 1, /FROM is not supported/);
  });

  test("a directory removed and made again hides the layers below it (an opaque directory)", () => {
    b.ok(["run", "--name", "opaque-1", "busybox", "sh", "-c", "mkdir /data; echo old > /data/old"]);
    b.ok(["commit", "opaque-1", "opaque:1"]);
    b.ok(["run", "--name", "opaque-2", "opaque:1", "sh", "-c", "rm -rf /data; mkdir /data; echo new > /data/new"]);
    expect(b.ok(["diff", "opaque-2"])).toBe("D /data\nA /data/new\n"); // moby reports the replaced directory as deleted
    b.ok(["commit", "opaque-2", "opaque:2"]);
    expect(b.ok(["run", "--rm", "opaque:2", "ls", "/data"])).toBe("new\n");
  });

  test("commits a running container, which keeps running (with the default --pause and with --pause=false)", () => {
    runDetached("commit-live");
    b.ok(["cp", join(tmp, "export.tar"), "commit-live:/big"]);
    const id = b.ok(["commit", "commit-live"]).trim();
    expect(b.ok(["images", "-q", "--no-trunc"])).toContain(id);
    b.ok(["commit", "--pause=false", "commit-live", "live:nopause"]);
    expect(b.ok(["inspect", "-f", "{{.State.Status}}", "commit-live"]).trim()).toBe("running");
  });

  test.skipIf(!Bun.which("docker-registry"))("a committed image survives push, rmi and pull", async () => {
    const reg = await startRegistry();
    try {
      const ref = `${reg.host}/test/committed:v1`;
      b.ok(["tag", "committed:v1", ref]);
      await b.okAsync(["push", ref]);
      b.ok(["rmi", ref, "committed:v1"]);
      expect(b.run(["image", "inspect", ref]).exitCode).toBe(1);
      await b.okAsync(["pull", ref]);
      expect((await b.okAsync(["run", "--rm", ref]))).toBe("committed\n");
      expect((await b.runAsync(["run", "--rm", ref, "ls", "/bin/vi"])).exitCode).toBe(1);
    } finally {
      await reg.stop();
    }
  });
});
