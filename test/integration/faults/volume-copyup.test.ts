// Issue 19 item 4: kill -9 during a volume's create or its copy-up of image
// content. Each crash point is played through the compiled binary (SIGKILL at
// the step); then the store loads, `system check` names what was left, and
// either `--repair` or the next mount gets it right: a container sees the
// image's whole /data (entry count and checksum), never a part of it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

const DIRS = 10;
const FILES = 40; // per directory: 410 entries, well past the copy-midway point (100)
const TOTAL = 1 + DIRS * (FILES + 1); // what `find /data` lists
const SUMMARY = "find /data | wc -l; find /data -type f | sort | xargs cat | md5sum";

let b: Bunker;
let work: string;
let expected: string;

beforeAll(() => {
  b = Bunker.withBusybox();
  work = mkdtempSync("/var/tmp/bunker-copyup-fault-");
  const rootfs = join(work, "rootfs");
  mkdirSync(rootfs);
  expect(Bun.spawnSync(["tar", "-xf", busyboxTar(), "-C", rootfs]).exitCode).toBe(0);
  for (let d = 0; d < DIRS; d++) {
    mkdirSync(join(rootfs, `data/d${d}`), { recursive: true });
    for (let f = 0; f < FILES; f++) writeFileSync(join(rootfs, `data/d${d}/f${f}`), `${d}/${f}\n`.repeat(f + 1));
  }
  const tar = join(work, "image.tar");
  expect(Bun.spawnSync(["tar", "--numeric-owner", "-cf", tar, "-C", rootfs, "."]).exitCode).toBe(0);
  b.ok(["import", tar, "many"]);
  expected = b.ok(["run", "--rm", "many", "sh", "-c", SUMMARY]); // the image's own /data, no volume
  expect(expected.split("\n")[0].trim()).toBe(`${TOTAL}`);
});
afterAll(() => {
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Runs bunker with BUNKER_CRASH_AT=STEP and expects it killed there. */
function crash(step: string, args: string[]): void {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, ...args], { stdin: "ignore", env: { ...process.env, BUNKER_CRASH_AT: step } });
  expect([r.signalCode, r.stderr.toString()]).toEqual(["SIGKILL", ""]);
}

function storeLoads(): void {
  for (const args of [["ps", "-a"], ["images"], ["volume", "ls"]]) b.ok(args);
}

/** `system check` names PROBLEM, `--repair` fixes everything, and a second check finds nothing. */
function checkAndRepair(problem: RegExp, repaired: RegExp): void {
  const check = b.run(["system", "check"]);
  expect(check.exitCode).toBe(1);
  expect(check.stdout).toMatch(problem);
  const repair = b.run(["system", "check", "--repair"]);
  expect([repair.exitCode, repair.stdout]).toEqual([0, expect.stringMatching(repaired)]);
  expect(b.ok(["system", "check"])).toBe("No problems found\n");
}

/** Entries below DIR (DIR itself not counted). */
function entriesUnder(dir: string): number {
  return readdirSync(dir, { recursive: true }).length;
}

const volumeNames = () => b.ok(["volume", "ls", "-q"]).split("\n").filter(Boolean);
const seenThrough = (volume: string) => b.ok(["run", "--rm", "-v", `${volume}:/data`, "many", "sh", "-c", SUMMARY]);

test("volume.before-publish: a killed volume create leaves no volume, only a .new-* that --repair removes", () => {
  crash("volume.before-publish", ["volume", "create", "halfmade"]);
  storeLoads();
  expect(volumeNames()).not.toContain("halfmade");
  checkAndRepair(/volumes\/\.new-\w+ is left from an interrupted volume create/, /repaired: removed .*\.new-/);
  expect(readdirSync(join(b.root, "volumes")).filter((n) => n.startsWith(".new-"))).toEqual([]);
  b.ok(["volume", "create", "halfmade"]);
  expect(seenThrough("halfmade")).toBe(expected);
});

test("volume.before-publish: a run killed while creating its volume leaves none", () => {
  crash("volume.before-publish", ["run", "--rm", "-v", "runmade:/data", "many", "true"]);
  storeLoads();
  expect(volumeNames()).not.toContain("runmade");
  checkAndRepair(/interrupted volume create/, /repaired: removed/);
  expect(seenThrough("runmade")).toBe(expected);
});

for (const step of ["volume.copy-started", "volume.copy-midway", "volume.copy-done"]) {
  test(`${step}: run -v NEW:/data killed mid copy-up; --repair empties the volume and the retry copies it whole`, () => {
    const name = `new-${step.split(".")[1]}`;
    crash(step, ["run", "--rm", "-v", `${name}:/data`, "many", "true"]);
    storeLoads();
    expect(volumeNames()).toContain(name);
    // What the kill left: nothing yet, a part, or all of it (still marked incomplete).
    const left = entriesUnder(join(b.root, "volumes", name, "_data"));
    if (step === "volume.copy-started") expect(left).toBe(0);
    else if (step === "volume.copy-midway") expect(left).toBeWithin(1, TOTAL - 1);
    else expect(left).toBe(TOTAL - 1);
    checkAndRepair(new RegExp(`volume ${name} holds an interrupted copy of an image's content`), /repaired: emptied it/);
    expect(readdirSync(join(b.root, "volumes", name, "_data"))).toEqual([]); // empty, so the next mount copies
    expect(seenThrough(name)).toBe(expected);
  });

  test(`${step}: create -v EXISTING:/data killed mid copy-up; the next mount starts the copy again`, () => {
    const name = `existing-${step.split(".")[1]}`;
    b.ok(["volume", "create", name]);
    crash(step, ["create", "-v", `${name}:/data`, "many", "true"]);
    storeLoads();
    expect(b.ok(["ps", "-a", "-q"])).toBe(""); // the container was never recorded
    const check = b.run(["system", "check"]);
    expect([check.exitCode, check.stdout]).toEqual([1, expect.stringContaining(`volume ${name} holds an interrupted copy of an image's content`)]);
    // No repair: the next mount finds the marker, empties the volume and copies again.
    expect(seenThrough(name)).toBe(expected);
    expect(b.ok(["system", "check"])).toBe("No problems found\n");
  });
}

test("volume.copy-midway: an anonymous volume of a killed run is removed by --repair", () => {
  const before = volumeNames();
  crash("volume.copy-midway", ["run", "--rm", "-v", "/data", "many", "true"]);
  storeLoads();
  const [anonymous] = volumeNames().filter((n) => !before.includes(n));
  expect(anonymous).toMatch(/^[0-9a-f]{64}$/);
  checkAndRepair(new RegExp(`volume ${anonymous} holds an interrupted copy`), /repaired: removed it \(an anonymous volume no container uses\)/);
  expect(existsSync(join(b.root, "volumes", anonymous))).toBe(false);
  expect(b.ok(["run", "--rm", "-v", "/data", "many", "sh", "-c", SUMMARY])).toBe(expected);
});

test("volume.copy-midway: a nocopy mount after the crash gets an empty volume, never the partial copy", () => {
  crash("volume.copy-midway", ["run", "--rm", "-v", "partial:/data", "many", "true"]);
  expect(b.ok(["run", "--rm", "-v", "partial:/data:nocopy", "busybox", "ls", "-A", "/data"])).toBe("");
  expect(b.ok(["system", "check"])).toBe("No problems found\n");
  expect(seenThrough("partial")).toBe(expected); // still empty, so a copying mount fills it
});

test("volume.copy-midway: a volume another container uses is not emptied under it; the mount is refused until that container goes", () => {
  const holder = b.ok(["create", "-v", "held:/data", "busybox", "true"]).trim(); // busybox has no /data: nothing copied
  crash("volume.copy-midway", ["create", "-v", "held:/data", "many", "true"]);
  expectOneLineError(b.run(["run", "--rm", "-v", "held:/data", "many", "true"]), 125, new RegExp(`volume held holds an interrupted copy of an image's content, and container\\(s\\) ${holder} use it`));
  const repair = b.run(["system", "check", "--repair"]);
  expect([repair.exitCode, repair.stdout]).toEqual([1, expect.stringContaining(`volume held holds an interrupted copy of an image's content (a killed run or create), and container(s) ${holder} use it`)]);
  b.ok(["rm", holder]);
  checkAndRepair(/volume held holds an interrupted copy/, /repaired: emptied it/);
  expect(seenThrough("held")).toBe(expected);
});
