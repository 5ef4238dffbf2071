// Disk full, played on a REAL full filesystem: the test's root is a small tmpfs,
// filled with dd until ENOSPC. Each case checks that the command fails in one
// line (or the container's exit survives), that nothing half-made is left
// (`system check` clean), and that the same command succeeds once space is freed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startRegistry, pushWithSkopeo, type RegistryFixture } from "../../fixtures/registry.ts";
import { makeTestImage } from "../../fixtures/test-image.ts";
import { Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

const haveRegistry = !!Bun.which("docker-registry") && !!Bun.which("skopeo");
const NO_SPACE = /no space left on device/i;

let b: Bunker;
let outside: string; // host dirs bound into containers: not on the tmpfs
const filler = () => join(b.root, "filler");

/** Writes zeros until the filesystem refuses: from here on, every new block is ENOSPC. */
function fillDisk(): void {
  const r = Bun.spawnSync(["dd", "if=/dev/zero", `of=${filler()}`, "bs=64k"], { stderr: "pipe" });
  expect(r.stderr.toString()).toContain("No space left on device");
}

function freeDisk(): void {
  rmSync(filler(), { force: true });
}

/** What must hold after every case: the store loads, and nothing half-made is left. */
function expectStoreClean(): void {
  for (const args of [["ps", "-a"], ["images"], ["volume", "ls"]]) b.ok(args);
  expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
}

/** Resolves once PATH exists (watching its directory, so no polling). */
async function fileAppears(path: string): Promise<void> {
  const dir = join(path, "..");
  await new Promise<void>((resolve) => {
    const w = watch(dir, () => {
      if (existsSync(path)) (w.close(), resolve());
    });
    if (existsSync(path)) (w.close(), resolve());
  });
}

beforeAll(() => {
  b = new Bunker();
  expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=48m,mode=0710", "tmpfs", b.root]).exitCode).toBe(0);
  b.ok(["import", busyboxTar(), "busybox"]);
  b.ok(["run", "--rm", "busybox", "true"]); // writes the monitor and native code into the root's cache first
  outside = mkdtempSync("/var/tmp/bunker-diskfull-");
});

afterAll(() => {
  freeDisk();
  const ids = b.containerIds();
  if (ids.length > 0) b.ok(["rm", "-f", ...ids]);
  Bun.spawnSync(["umount", b.root]); // before cleanup, which removes the root (a mount point cannot be)
  b.cleanup(); // still checks that no process, mount or cgroup of the containers above is left
  rmSync(outside, { recursive: true, force: true });
});

describe("disk full", () => {
  test("run -d fails in one line and leaves no container directory; after freeing space it runs", () => {
    fillDisk();
    try {
      const r = b.run(["run", "-d", "--name", "full", "busybox", "true"]);
      expectOneLineError(r, 125, NO_SPACE);
      // Neither a record nor a directory without one (which ps, rm and system check could not see).
      expect(readdirSync(join(b.root, "containers"))).toEqual([]);
      expectStoreClean();
    } finally {
      freeDisk();
    }
    expect(b.ok(["run", "--rm", "--name", "full", "busybox", "echo", "retried"])).toBe("retried\n");
    expectStoreClean();
  });

  test("a container that exits after the disk filled keeps its exit code; its log stays readable", async () => {
    const fifo = join(outside, "go");
    Bun.spawnSync(["mkfifo", fifo]);
    const id = b
      .ok(["run", "-d", "-v", `${outside}:/w`, "busybox", "sh", "-c", "echo before; read x < /w/go; echo after the disk filled; exit 7"])
      .trim();
    await b.logsUntil(id, "before");
    fillDisk();
    try {
      writeFileSync(fifo, "go\n"); // opens once the container reads it: the container exits now, on a full disk
      await fileAppears(join(b.root, "containers", id, "exit"));
    } finally {
      freeDisk();
    }
    expect(b.ok(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.Status}}"])).toMatch(/^Exited \(7\)/);
    expect(b.ok(["inspect", "-f", "{{.State.ExitCode}} {{.State.Status}}", id]).trim()).toBe("7 exited");
    expect(b.ok(["wait", id]).trim()).toBe("7");
    // The log line that did not fit is dropped whole: what is there still parses.
    const logs = b.run(["logs", id]);
    expect(logs.exitCode).toBe(0);
    expect(logs.stdout).toStartWith("before\n");
    b.ok(["rm", id]);
    expectStoreClean();
  });

  test("a create killed before its directory is published leaves a leftover that system check names and --repair removes", () => {
    const r = b.run(["run", "-d", "busybox", "true"], { env: { BUNKER_CRASH_AT: "create.before-publish" } });
    expect(r.exitCode).not.toBe(0);
    expect(b.ok(["ps", "-aq"])).toBe("");
    const found = b.run(["system", "check"]);
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toMatch(/containers\/\.new-\d+-[a-f0-9]{64} is left from an interrupted container create/);
    expect(b.run(["system", "check", "--repair"]).exitCode).toBe(0);
    expect(readdirSync(join(b.root, "containers"))).toEqual([]);
    expectStoreClean();
  });

  test("a container directory without its record (what an older bunker left at 0 bytes free) is named and removed", () => {
    const dir = join(b.root, "containers", "a".repeat(64));
    mkdirSync(join(dir, "upper"), { recursive: true });
    const found = b.run(["system", "check"]);
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toContain(`${dir} has no container.json`);
    expect(b.run(["system", "check", "--repair"]).exitCode).toBe(0);
    expect(existsSync(dir)).toBe(false);
    expectStoreClean();
  });

  test("commit on a full disk fails cleanly and leaves no image; after freeing space it succeeds", () => {
    const id = b.ok(["create", "busybox", "true"]).trim();
    b.ok(["cp", join(import.meta.dir, "disk-full.test.ts"), `${id}:/added`]);
    const images = b.ok(["images", "-q"]);
    fillDisk();
    try {
      expectOneLineError(b.run(["commit", id, "committed"]), 125, NO_SPACE);
      expect(b.ok(["images", "-q"])).toBe(images);
      expectStoreClean();
    } finally {
      freeDisk();
    }
    b.ok(["commit", id, "committed"]);
    b.ok(["rm", id]);
    b.ok(["rmi", "committed"]);
    expectStoreClean();
  });

  test("build on a full disk fails cleanly and leaves no image; after freeing space it succeeds", () => {
    const ctx = join(outside, "ctx");
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN echo built > /built\n");
    const images = b.ok(["images", "-q"]);
    fillDisk();
    try {
      const r = b.run(["build", "-q", "-t", "built", ctx]);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(NO_SPACE);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(b.ok(["images", "-q"])).toBe(images);
      expect(b.ok(["ps", "-aq"])).toBe("");
      expectStoreClean();
    } finally {
      freeDisk();
    }
    b.ok(["build", "-q", "-t", "built", ctx]);
    expect(b.ok(["run", "--rm", "built", "cat", "/built"])).toBe("built\n");
    b.ok(["rmi", "built"]);
    b.ok(["builder", "prune", "-af"]);
    expectStoreClean();
  });

  describe.skipIf(!haveRegistry)("pull", () => {
    let reg: RegistryFixture;
    beforeAll(async () => {
      reg = await startRegistry();
      // Random bytes do not compress: a layer of about 2 MB that cannot fit.
      const image = await makeTestImage({ files: { "noise.bin": Buffer.from(crypto.getRandomValues(new Uint8Array(2 << 20))).toString("latin1") }, ref: "test/noise" });
      await pushWithSkopeo(reg, image);
    });
    afterAll(() => reg.stop());

    test("pull on a full disk fails cleanly and leaves no layer or blob; after freeing space it succeeds", async () => {
      const ref = `${reg.host}/test/noise:latest`;
      const layers = readdirSync(join(b.root, "image", "layers")).sort();
      fillDisk();
      try {
        const r = await b.runAsync(["pull", ref]);
        expectOneLineError(r, 125, NO_SPACE);
        expect(readdirSync(join(b.root, "image", "layers")).sort()).toEqual(layers);
        expectStoreClean();
      } finally {
        freeDisk();
      }
      await b.okAsync(["pull", ref]);
      expect(readdirSync(join(b.root, "image", "layers")).length).toBe(layers.length + 1);
      b.ok(["rmi", ref]);
      expectStoreClean();
    });
  });
});
