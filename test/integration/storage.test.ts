// Storage management: system df / prune / info / check, container and builder prune,
// the vfs storage driver, and garbage collection racing a pull.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pushWithSkopeo, type RegistryFixture, startRegistry } from "../fixtures/registry.ts";
import { makeTestImage, startFaultyRegistry } from "../fixtures/faulty-registry.ts";
import { imageFromLayers, makeTar } from "../fixtures/test-image.ts";
import { Bunker, busyboxTar, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => {
  b.cleanup();
});

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
/** "3.14MB" -> bytes (docker's decimal units, 3 significant digits). */
const bytes = (human: string) => {
  const [, n, unit] = human.match(/^([\d.]+)(B|kB|MB|GB)$/)!;
  return Number(n) * UNITS[unit];
};
const du = (path: string) => Number(Bun.spawnSync(["du", "-sB1", path]).stdout.toString().split("\t")[0]);
const dfRows = () => b.ok(["system", "df", "--format", "json"]).trim().split("\n").map((l) => JSON.parse(l));
const images = () => b.ok(["images", "-q"]).split("\n").filter(Boolean);

/** Resolves once DIR (which must exist) has an entry NAME matches: events, not sleeps. */
function entryAppears(dir: string, matches: (name: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      const found = readdirSync(dir).find(matches);
      if (!found) return false;
      watcher.close();
      resolve(found);
      return true;
    };
    const watcher = watch(dir, check);
    check();
  });
}

test("system df: each figure is the disk usage du measures, within 1%; -v lists every object", () => {
  b.ok(["tag", "busybox", "spare"]); // a second name for the same image
  const script = "head -c 300000 /dev/zero > /data/t; mv /data/t /data/f; head -c 200000 /dev/zero > /t; mv /t /f; exec sleep 1000";
  const running = b.ok(["run", "-d", "-v", "dfvol:/data", "busybox", "sh", "-c", script]).trim();
  b.ok(["exec", running, "sh", "-c", "while [ ! -e /f ]; do :; done"]);
  b.ok(["run", "--name", "stopped", "busybox", "true"]);
  const rows = dfRows();
  expect(rows.map((r) => r.Type)).toEqual(["Images", "Containers", "Local Volumes", "Build Cache"]);
  const [img, ctr, vol, cache] = rows;
  for (const [row, dir] of [
    [img, "image"],
    [ctr, "containers"],
    [vol, "volumes"],
  ] as const) {
    const measured = du(join(b.root, dir));
    expect(Math.abs(bytes(row.Size) - measured) / measured).toBeLessThan(0.01);
  }
  expect(img).toMatchObject({ TotalCount: "1", Active: "1", Reclaimable: "0B (0%)" });
  expect(ctr).toMatchObject({ TotalCount: "2", Active: "1" });
  expect(bytes(ctr.Reclaimable.split(" ")[0])).toBeGreaterThan(0);
  expect(vol).toMatchObject({ TotalCount: "1", Active: "1", Reclaimable: "0B (0%)" });
  expect(cache).toEqual({ Type: "Build Cache", TotalCount: "0", Active: "0", Size: "0B", Reclaimable: "0B" });
  expect(b.ok(["system", "df"])).toMatch(/^TYPE {12}TOTAL {5}ACTIVE {4}SIZE {6}RECLAIMABLE\nImages {10}1 {9}1 /);
  const verbose = b.ok(["system", "df", "-v"]);
  expect(verbose).toMatch(/^Images space usage:\n\nREPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS\n/);
  expect(verbose).toMatch(/\nbusybox +latest .* 2\nspare +latest .* 2\n/);
  expect(verbose).toContain("\nLocal Volumes space usage:\n\nVOLUME NAME   LINKS     SIZE\ndfvol         1         ");
  expect(verbose).toMatch(/ stopped\n/);
  b.ok(["rm", "-f", running, "stopped"]);
  b.ok(["rmi", "spare"]);
  b.ok(["volume", "rm", "dfvol"]);
});

test("container prune removes stopped containers only; system prune -a --volumes takes unused images, anonymous volumes and build cache", () => {
  const live = b.ok(["run", "-d", "busybox", "sleep", "1000"]).trim();
  const done = b.ok(["create", "-v", "/anon", "busybox", "true"]).trim();
  const out = b.ok(["container", "prune", "-f"]);
  expect(out).toMatch(new RegExp(`^Deleted Containers:\\n${done}\\n\\nTotal reclaimed space: \\d`));
  expect(b.containerIds()).toEqual([live]);
  // Declining the prompt removes nothing.
  b.ok(["create", "busybox", "true"]);
  expect(b.ok(["container", "prune"], { stdin: "n\n" })).toBe("WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ");
  expect(b.containerIds().length).toBe(2);

  b.ok(["import", busyboxTar(), "unused:1"]);
  b.ok(["import", "--change", "ENV X=1", busyboxTar(), "unused:2"]); // another config: another image
  b.ok(["volume", "create", "named"]);
  mkdirSync(join(b.root, "image", "build-cache-mounts", "mount-abc"), { recursive: true }); // a RUN cache mount (docs/storage.md)
  writeFileSync(join(b.root, "image", "build-cache-mounts", "mount-abc", "data"), "x".repeat(5000));
  const cacheRow = dfRows()[3];
  expect(cacheRow).toMatchObject({ TotalCount: "1" });
  expect(Math.abs(bytes(cacheRow.Reclaimable) - du(join(b.root, "image", "build-cache-mounts", "mount-abc"))) / bytes(cacheRow.Reclaimable)).toBeLessThan(0.01);
  const pruned = b.ok(["system", "prune", "-a", "--volumes", "-f"]);
  expect(pruned).toMatch(/^Deleted Containers:\n[a-f0-9]{64}\n\nDeleted Volumes:\n[a-f0-9]{64}\n\nDeleted Images:\nuntagged: unused:1\n/);
  expect(pruned).toContain("\nDeleted build cache objects:\n1 cache objects\n\nTotal reclaimed space: ");
  expect(b.containerIds()).toEqual([live]);
  expect(b.ok(["images", "--format", "{{.Repository}}"])).toBe("busybox\n"); // used by the running container
  expect(b.ok(["volume", "ls", "-q"])).toBe("named\n"); // named volumes stay
  expect(readdirSync(join(b.root, "image", "build-cache-mounts"))).toEqual([]);
  expect(b.ok(["builder", "prune", "-f"])).toBe("Total reclaimed space: 0B\n");
  b.ok(["rm", "-f", live]);
  b.ok(["volume", "rm", "named"]);
});

test("info reports the storage driver, root, cgroups and counts", () => {
  const info = JSON.parse(b.ok(["info", "--format", "json"]));
  expect(info).toMatchObject({ Driver: "overlay", DockerRootDir: b.root, OSType: "linux", LoggingDriver: "json-file", CgroupDriver: "cgroupfs", Containers: 0, Images: 1 });
  expect(["1", "2"]).toContain(info.CgroupVersion);
  expect(info.SecurityOptions).toContain("name=seccomp,profile=builtin");
  expect(b.ok(["system", "info", "--format", "{{.Driver}} {{.Images}}"])).toBe("overlay 1\n");
  const text = b.ok(["info"]);
  expect(text).toContain("\n Storage Driver: overlay\n  Backing Filesystem: ");
  expect(text).toContain("\n  Network: bridge host null\n");
  expect(text).toContain(`\n Docker Root Dir: ${b.root}\n`);
  expect(b.ok(["--storage-driver", "vfs", "info", "-f", "{{.Driver}}"])).toBe("vfs\n");
});

test("the vfs driver: each container's root is a full copy, and containers run, write, take volumes and exec", () => {
  const vfs = { env: { BUNKER_STORAGE_DRIVER: "vfs" } };
  expect(b.ok(["info", "-f", "{{.Driver}}"], vfs)).toBe("vfs\n");
  const id = b.ok(["run", "-d", "-v", "vfsvol:/data", "busybox", "sh", "-c", "echo written > /root-file; rm /bin/vi; echo v > /data/f; exec sleep 1000"], vfs).trim();
  b.ok(["exec", id, "sh", "-c", "while [ ! -s /data/f ]; do :; done"]);
  expect(JSON.parse(b.ok(["inspect", id]))[0].Driver).toBe("vfs");
  expect(b.ok(["exec", id, "sh", "-c", "cat /root-file; ls /bin/vi 2>&1 >/dev/null | wc -l; grep -c ' / ' /proc/mounts"])).toBe("written\n1\n1\n");
  // The whole image is in the container's own directory, so it runs without any overlay of the layers.
  const upper = join(b.root, "containers", id, "upper");
  expect(readFileSync(join(upper, "root-file"), "utf8")).toBe("written\n");
  expect(existsSync(join(upper, "bin", "sh"))).toBe(true);
  expect(readFileSync(join(upper, "etc", "passwd"), "utf8")).toContain("root:");
  expectOneLineError(b.run(["diff", id]), 1, /diff needs the overlay storage driver/);
  b.ok(["rm", "-f", id]);
  expect(b.ok(["run", "--rm", "--read-only", "-v", "vfsvol:/data:ro", "busybox", "sh", "-c", "cat /data/f; touch /x 2>/dev/null || echo ro"], vfs)).toBe("v\nro\n");
  expectOneLineError(b.run(["--storage-driver", "zfs", "run", "--rm", "busybox", "true"]), 125, /unknown storage driver "zfs": use overlay or vfs/);
  b.ok(["volume", "rm", "vfsvol"]);
});

test("a root on overlayfs (overlay-on-overlay) gets the vfs driver by itself, and containers run there", () => {
  const outer = new Bunker();
  const layers = `${outer.root}-layers`;
  for (const d of ["lower", "upper", "work"]) mkdirSync(join(layers, d), { recursive: true });
  const mounted = Bun.spawnSync(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${layers}/lower,upperdir=${layers}/upper,workdir=${layers}/work`, outer.root]);
  expect(mounted.exitCode).toBe(0);
  try {
    outer.ok(["import", busyboxTar(), "busybox"]);
    expect(outer.ok(["info", "-f", "{{.Driver}} {{index (index .DriverStatus 0) 1}}"])).toBe("vfs overlayfs\n");
    expect(outer.ok(["run", "--rm", "busybox", "sh", "-c", "echo on vfs > /f; cat /f"])).toBe("on vfs\n");
    const id = outer.ok(["create", "busybox", "true"]).trim();
    expect(JSON.parse(outer.ok(["inspect", id]))[0].Driver).toBe("vfs");
    outer.ok(["rm", id]);
  } finally {
    Bun.spawnSync(["umount", outer.root]);
    rmSync(layers, { recursive: true, force: true });
  }
  outer.cleanup();
});

describe("system check", () => {
  const layers = () => readdirSync(join(b.root, "image", "layers"));
  const check = (repair = false) => b.run(["system", "check", ...(repair ? ["--repair"] : [])]);

  test("a clean store has no problems", () => {
    expect(check()).toEqual({ stdout: "No problems found\n", stderr: "", exitCode: 0 });
  });

  test("an import killed mid-layer: its incomplete layer and blob are reported and removed", async () => {
    const tar = readFileSync(busyboxTar());
    const p = Bun.spawn([join(import.meta.dir, "../../dist/bunker"), "--root", b.root, "import", "-", "half"], { stdin: "pipe", stdout: "ignore", stderr: "ignore" });
    p.stdin.write(tar.subarray(0, tar.length >> 1));
    await p.stdin.flush();
    const tmp = join(b.root, "image", "tmp");
    await entryAppears(tmp, (n) => n.startsWith(`${p.pid}-`) && !n.endsWith(".blob")); // it is unpacking
    p.kill(9);
    await p.exited;
    const found = check();
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toMatch(new RegExp(`image/tmp/${p.pid}-[\\d-]+: left incomplete by process ${p.pid}, which died while writing it`));
    expect(found.stdout).toMatch(/\n\d problem\(s\) found; run "bunker system check --repair" to repair them\n$/);
    const repaired = check(true);
    expect(repaired.exitCode).toBe(0);
    expect(repaired.stdout).toContain("  repaired: removed ");
    expect(readdirSync(tmp).filter((n) => n.startsWith(`${p.pid}-`))).toEqual([]);
    expect(check().stdout).toBe("No problems found\n");
    expect(b.ok(["run", "--rm", "busybox", "echo", "runs"])).toBe("runs\n");
  });

  test("a pull killed with -9 mid-download: check reports what it left, --repair removes it, and images still run", async () => {
    const big = await makeTestImage({ layers: 2, files: { "a.bin": crypto.getRandomValues(new Uint8Array(4 << 20)) as unknown as string } });
    const reg = await startFaultyRegistry("stall", big); // the pull can never finish before the kill
    try {
      const p = Bun.spawn([join(import.meta.dir, "../../dist/bunker"), "--root", b.root, "pull", `${reg.host}/${big.ref}:${big.tag}`], { stdout: "pipe", stderr: "ignore" });
      const reader = p.stdout.getReader();
      for (let out = ""; !out.includes("Downloading"); ) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      p.kill("SIGKILL");
      await p.exited;
      const found = await b.runAsync(["system", "check"]);
      expect(found.exitCode).toBe(1);
      expect(found.stdout).toMatch(new RegExp(`image/tmp/${p.pid}-[\\d-]+(\\.blob)?: left incomplete by process ${p.pid}`));
      expect((await b.runAsync(["system", "check", "--repair"])).exitCode).toBe(0);
      expect(await b.okAsync(["system", "check"])).toBe("No problems found\n");
      expect(await b.okAsync(["run", "--rm", "busybox", "echo", "runs"])).toBe("runs\n");
    } finally {
      await reg.stop();
    }
  });

  test("a layer marked incomplete by hand is unpacked again from its blob, and the image runs", () => {
    const [layer] = layers();
    unlinkSync(join(b.root, "image", "layers", layer, "layer.json"));
    rmSync(join(b.root, "image", "layers", layer, "diff", "bin", "sh")); // and half unpacked
    const found = check();
    expect(found.stdout).toContain(`layer sha256:${layer} is incomplete (no layer.json or diff/); used by docker.io/library/busybox:latest\n`);
    expect(found.exitCode).toBe(1);
    const repaired = check(true);
    expect(repaired.stdout).toContain("  repaired: unpacked it again from its blob\n");
    expect(repaired.exitCode).toBe(0);
    expect(check().stdout).toBe("No problems found\n");
    expect(b.ok(["run", "--rm", "busybox", "sh", "-c", "echo runs"])).toBe("runs\n");
  });

  test("a corrupt config blob, an orphaned layer and blob, a dangling mount and a dead monitor", () => {
    // A second image whose config is then corrupted: it cannot run, so the repair removes it.
    const broken = b.ok(["import", "--change", "ENV B=1", busyboxTar(), "broken"]).trim();
    appendFileSync(join(b.root, "image", "blobs", "sha256", broken.slice(7)), " ");
    // A third image, of its own layer, dropped from the index by hand: its layer and config are orphans.
    const own = join(b.root, "own-layer");
    mkdirSync(own);
    writeFileSync(join(own, "file"), "own\n");
    expect(Bun.spawnSync(["tar", "-cf", `${own}.tar`, "-C", own, "."]).exitCode).toBe(0);
    const orphan = b.ok(["import", `${own}.tar`, "orphan"]).trim();
    rmSync(own, { recursive: true });
    rmSync(`${own}.tar`);
    const index = JSON.parse(readFileSync(join(b.root, "image", "images.json"), "utf8"));
    delete index.images[orphan];
    writeFileSync(join(b.root, "image", "images.json"), JSON.stringify(index));
    // A mount left on the host under the root.
    const mountPoint = join(b.root, "containers", "stray-mount");
    mkdirSync(mountPoint);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "tmpfs", mountPoint]).exitCode).toBe(0);
    // A container whose monitor and init were killed: nobody recorded its exit.
    const id = b.ok(["run", "-d", "--name", "orphaned", "busybox", "sleep", "1000"]).trim();
    const run = JSON.parse(readFileSync(join(b.root, "run", "containers", `${id}.json`), "utf8"));
    process.kill(run.MonitorPid, "SIGKILL");
    expect(check().stdout).toContain("container orphaned runs without its monitor: its exit will not be recorded and its output is lost; restart it (bunker restart orphaned)\n");
    process.kill(run.Pid, "SIGKILL");
    Bun.spawnSync(["sh", "-c", `while kill -0 ${run.Pid} 2>/dev/null; do :; done`]);

    const found = check().stdout;
    expect(found).toContain(`blob ${broken} is corrupt: its content hashes to sha256:`);
    expect(found).toContain(`blob ${orphan} is not used by any image or layer\n`);
    expect(found).toMatch(/layer sha256:[a-f0-9]{64} is not used by any image\n/);
    expect(found).toContain(`${mountPoint} is mounted on the host`);
    expect(found).toContain("container orphaned is recorded as running, but its process and its monitor died without recording the exit\n");

    const repaired = check(true);
    expect(repaired.stdout).toContain(`  repaired: removed the blob and image ${broken.slice(7, 19)}, whose config it was: pull or load it again\n`);
    expect(repaired.stdout).toContain("  repaired: unmounted it\n");
    expect(repaired.stdout).toContain("  repaired: marked it exited (255)\n");
    expect(repaired.exitCode).toBe(0);
    expect(check()).toEqual({ stdout: "No problems found\n", stderr: "", exitCode: 0 });
    expect(b.ok(["images", "--format", "{{.Repository}}"])).toBe("busybox\n");
    expect(layers().length).toBe(1);
    expect(b.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", id])).toBe("exited 255\n");
    rmSync(mountPoint, { recursive: true });
    b.ok(["rm", id]);
    for (const i of images()) expect(b.ok(["run", "--rm", i, "true"])).toBe("");
  });
});

const haveRegistry = !!Bun.which("docker-registry") && !!Bun.which("skopeo");

describe.skipIf(!haveRegistry)("garbage collection beside a pull", () => {
  let reg: RegistryFixture;
  beforeAll(async () => {
    reg = await startRegistry();
    // The same layer as the local busybox: a pull finds it "Already exists", the case a prune can pull from under it.
    await pushWithSkopeo(reg, imageFromLayers([readFileSync(busyboxTar())], (t) => gzipSync(t), { cmd: ["sh"], ref: "test/shared" }));
  });
  afterAll(() => reg.stop());

  test("a layer a pull found in place but an rmi removed meanwhile is fetched after all", async () => {
    // An image of the local busybox layer plus a big one: the pull finds the first "Already exists".
    const big = await makeTar([{ name: "big.bin", content: crypto.getRandomValues(new Uint8Array(24 << 20)) as unknown as string }]);
    await pushWithSkopeo(reg, imageFromLayers([readFileSync(busyboxTar()), big], (t) => gzipSync(t, { level: 1 }), { cmd: ["sh"], ref: "test/twolayers" }));
    const others = images();
    if (others.length > 0) b.ok(["rmi", "-f", ...others]);
    b.ok(["import", busyboxTar(), "base"]); // now the only image with that layer
    const ref = `${reg.host}/test/twolayers:latest`;
    const p = Bun.spawn([join(import.meta.dir, "../../dist/bunker"), "--root", b.root, "pull", ref], { stdout: "pipe", stderr: "pipe" });
    const reader = p.stdout.getReader();
    let out = "";
    while (!out.includes("Already exists")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    // Stopped while it unpacks the big layer, the pull cannot commit before the shared layer is gone.
    p.kill("SIGSTOP");
    b.ok(["rmi", "base"]);
    p.kill("SIGCONT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(await p.exited).toBe(0);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    // The shared layer was fetched on the second attempt; the big one, ingested by the first, only once.
    const shared = out.match(/^([a-f0-9]{12}): Already exists$/m)![1];
    const completed = out.split("\n").filter((l) => l.endsWith(": Pull complete"));
    // When the stop landed before the pull committed (the usual case), the shared layer was fetched again;
    // on a fast machine the pull may have committed first, and then the image simply kept its layer.
    if (completed.length === 2) expect(completed[1]).toBe(`${shared}: Pull complete`);
    else expect(completed.length).toBe(1);
    expect(b.ok(["run", "--rm", ref, "sh", "-c", "wc -c < /big.bin; ls /bin/sh"])).toBe(`${24 << 20}\n/bin/sh\n`);
    expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
    b.ok(["rmi", ref]);
  });

  test("system prune -a -f running beside pulls loses neither", async () => {
    const ref = `${reg.host}/test/shared:latest`;
    for (let round = 0; round < 5; round++) {
      if (!images().length) b.ok(["import", busyboxTar(), "busybox"]);
      const [pull, prune] = await Promise.all([b.runAsync(["pull", "-q", ref]), b.runAsync(["system", "prune", "-a", "-f"])]);
      expect(prune.exitCode).toBe(0);
      expect(prune.stdout).toContain("Total reclaimed space: ");
      expect(pull).toMatchObject({ exitCode: 0, stdout: `${ref}\n` });
      // Whatever the order (a prune that ends after the pull may remove the pulled image: nothing uses it),
      // every image left is whole: it runs, and the store checks clean.
      for (const i of images()) expect(b.ok(["run", "--rm", i, "echo", "ok"])).toBe("ok\n");
      expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
      b.run(["rmi", ref]);
    }
  });
});

test("system prune -a -f running beside a build loses neither: the build waits for it or it for the build", async () => {
  const ctx = join(b.root, "..", `${b.root.split("/").pop()}-ctx`);
  mkdirSync(ctx, { recursive: true });
  try {
    writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN echo a > /a\nRUN echo b > /b\nCOPY f /f\nCMD cat /a /b /f\n");
    writeFileSync(join(ctx, "f"), "f\n");
    if (!images().length) b.ok(["import", busyboxTar(), "busybox"]);
    // The base image stays in use, so the prune has only what the build makes to take away from it.
    const holder = b.ok(["run", "-d", "--init", "busybox", "sleep", "1000"]).trim();
    for (let round = 0; round < 3; round++) {
      writeFileSync(join(ctx, "f"), `f${round}\n`); // a new COPY each round: the build does real work
      const [build, prune] = await Promise.all([b.runAsync(["build", "-q", "-t", "built", ctx]), b.runAsync(["system", "prune", "-a", "-f"])]);
      expect(prune.exitCode).toBe(0);
      expect([build.exitCode, build.stderr]).toEqual([0, ""]);
      // Whichever ran first, the store is whole; a prune after the build may have taken its (unused) image, as it should.
      expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
      if (b.ok(["images", "--format", "{{.Repository}}"]).includes("built")) expect(b.ok(["run", "--rm", "built"])).toBe(`a\nb\nf${round}\n`);
    }
    b.ok(["rm", "-f", holder]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});
