// Readers (ps, inspect, stats, system df, compose ps) show the truth and never
// fail because of another client or of a write they cannot make: a container
// removed under a listing is skipped; an exit found but not yet recorded is
// shown as such, even on a full disk or when its cgroup cannot be removed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, busyboxTar, cgroupDirsFor } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

/** Resolves once the container's monitor has written its exit file (it renames it into place). */
function exitFileWritten(root: string, id: string): Promise<void> {
  const dir = join(root, "containers", id);
  return new Promise((resolve) => {
    const written = () => existsSync(join(dir, "exit"));
    const watcher = watch(dir, () => {
      if (!written()) return;
      watcher.close();
      resolve();
    });
    if (written()) {
      watcher.close();
      resolve();
    }
  });
}

/** A detached container that exits with CODE; nothing records that exit (no reader has run since). */
async function exitedUnrecorded(root: Bunker, name: string, code: number): Promise<string> {
  const id = root.ok(["run", "-d", "--name", name, "busybox", "sh", "-c", `exit ${code}`]).trim();
  await exitFileWritten(root.root, id);
  return id;
}

const stored = (root: string, id: string) => JSON.parse(readFileSync(join(root, "containers", id, "container.json"), "utf8")).State;

test("ps -a beside 16 parallel run --rm and rm -f: 0 failures in 500 calls", async () => {
  const failures: string[] = [];
  let listed = 0;
  let done = false;
  const waiting: (() => void)[] = [];
  const untilListed = async (n: number) => {
    while (listed < n && !done) await new Promise<void>((resolve) => waiting.push(resolve));
  };
  // 10 listers of 50 calls each.
  const lister = async () => {
    for (let n = 0; n < 50; n++) {
      const r = await b.runAsync(["ps", "-a"]);
      if (r.exitCode !== 0) failures.push(`exit ${r.exitCode}: ${r.stderr}`);
      listed++;
      for (const resume of waiting.splice(0)) resume();
    }
  };
  // Half the workers run --rm (the container exits, then goes), half remove a running one with rm -f.
  // Each starts its next container once 64 more listings have run since its last (staggered): all 16
  // stay busy throughout, but their churn, paced by the listings, cannot starve them of 2 cores.
  // No network: the race is in the store, and each cycle stays cheap.
  const worker = async (i: number) => {
    for (let due = i * 4; ; due += 64) {
      await untilListed(due);
      if (done) return;
      if (i % 2 === 0) await b.okAsync(["run", "--rm", "--network", "none", "busybox", "true"]);
      else await b.okAsync(["rm", "-f", (await b.okAsync(["run", "-d", "--network", "none", "busybox", "sleep", "1000"])).trim()]);
    }
  };
  const workers = Array.from({ length: 16 }, (_, i) => worker(i));
  await Promise.all(Array.from({ length: 10 }, lister));
  done = true;
  for (const resume of waiting.splice(0)) resume();
  await Promise.all(workers);
  expect(failures).toEqual([]);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
}, 300_000); // a generous bound for a machine shared with other work: its cost is fixed, about 500 listings and 130 runs

test("a cgroup that still holds a process: ps -a and inspect show the exit; system check --repair and rm -f end it", async () => {
  const sleepers: Bun.Subprocess[] = [];
  const held = async (name: string, code: number) => {
    const id = await exitedUnrecorded(b, name, code);
    // A process of another pid namespace (ours) in the container's cgroup: it keeps the cgroup from being removed.
    const sleeper = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
    sleepers.push(sleeper);
    for (const dir of cgroupDirsFor([id])) writeFileSync(join(dir, "cgroup.procs"), String(sleeper.pid));
    const ps = b.run(["ps", "-a", "--filter", `id=${id}`, "--format", "{{.Status}}"]);
    expect([ps.exitCode, ps.stderr]).toEqual([0, ""]);
    expect(ps.stdout).toMatch(new RegExp(`^Exited \\(${code}\\) `));
    expect(b.ok(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name])).toBe(`exited ${code}\n`);
    return { id, sleeper };
  };

  try {
    await heldCgroupCases(held);
  } finally {
    for (const s of sleepers) s.kill("SIGKILL");
  }
});

async function heldCgroupCases(held: (name: string, code: number) => Promise<{ id: string; sleeper: Bun.Subprocess }>): Promise<void> {
  const first = await held("held", 5);
  const found = b.run(["system", "check"]);
  expect(found.stdout).toContain(`container held has exited, but its cgroup still holds process(es) ${first.sleeper.pid}, so the cgroup cannot be removed\n`);
  expect(found.exitCode).toBe(1);
  const repaired = b.run(["system", "check", "--repair"]);
  expect(repaired.stdout).toContain("  repaired: killed 1 process(es) and removed its cgroup\n");
  expect(repaired.exitCode).toBe(0);
  await first.sleeper.exited;
  expect(first.sleeper.signalCode).toBe("SIGKILL");
  expect(cgroupDirsFor([first.id])).toEqual([]);
  expect(stored(b.root, first.id)).toMatchObject({ Status: "exited", ExitCode: 5 });
  expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
  expect(b.run(["start", "-a", "held"]).exitCode).toBe(5); // a retry runs it again
  b.ok(["rm", "held"]);

  const second = await held("held2", 6);
  b.ok(["rm", "-f", "held2"]);
  await second.sleeper.exited;
  expect(second.sleeper.signalCode).toBe("SIGKILL");
  expect(cgroupDirsFor([second.id])).toEqual([]);
  expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
}

test("a record that cannot be read: ps -a lists the others and warns; system check names it", () => {
  b.ok(["run", "--name", "intact", "busybox", "true"]);
  const broken = b.ok(["create", "--name", "broken", "busybox", "true"]).trim();
  writeFileSync(join(b.root, "containers", broken, "container.json"), "{ torn by hand");
  const ps = b.run(["ps", "-a", "--format", "{{.Names}}"]);
  expect(ps.exitCode).toBe(0);
  expect(ps.stdout).toBe("intact\n");
  expect(ps.stderr).toMatch(new RegExp(`^WARNING: container ${broken} is not listed: its record cannot be read \\(.+\\); see bunker system check\\n$`));
  const found = b.run(["system", "check"]);
  expect(found.stdout).toContain(`container ${broken}: its record cannot be read (`);
  expect(found.exitCode).toBe(1);
  rmSync(join(b.root, "containers", broken), { recursive: true }); // what the check says to do
  expect(b.run(["system", "check"]).stdout).toBe("No problems found\n");
  b.ok(["rm", "intact"]);
});

describe("a full disk", () => {
  let d: Bunker;
  beforeAll(() => {
    d = new Bunker();
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0710", "tmpfs", d.root]).exitCode).toBe(0);
    d.ok(["import", busyboxTar(), "busybox"]);
  });
  afterAll(() => {
    const ids = d.containerIds();
    if (ids.length > 0) d.ok(["rm", "-f", ...ids]);
    expect(Bun.spawnSync(["umount", d.root]).exitCode).toBe(0);
    d.cleanup(); // of an empty root now: checks that nothing of its containers is left on the host
  });

  test("an exit found but not yet recorded: ps -a and inspect show it; once space is back it is recorded", async () => {
    const id = await exitedUnrecorded(d, "full", 3);
    // Fill the disk to the last page.
    for (const [file, bs] of [["fill", "1M"], ["fill-tail", "4k"]]) Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(d.root, file)}`, `bs=${bs}`]);
    expect(Bun.spawnSync(["sh", "-c", `echo x > ${join(d.root, "probe")}`]).exitCode).not.toBe(0);

    const ps = d.run(["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    expect([ps.exitCode, ps.stderr]).toEqual([0, ""]);
    expect(ps.stdout).toMatch(/^full Exited \(3\) /);
    expect(d.run(["inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "full"])).toEqual({ stdout: "exited 3\n", stderr: "", exitCode: 0 });
    for (const args of [["images", "-q"], ["volume", "ls"]]) expect(d.run(args).exitCode).toBe(0);
    const runFile = join(d.root, "run", "containers", `${id}.json`);
    expect(existsSync(runFile)).toBe(true); // nothing could record it

    for (const file of ["fill", "fill-tail", "probe"]) rmSync(join(d.root, file), { force: true });
    expect(d.run(["ps", "-a", "--format", "{{.Status}}"]).stdout).toMatch(/^Exited \(3\) /);
    expect(stored(d.root, id)).toMatchObject({ Status: "exited", ExitCode: 3 });
    expect(existsSync(runFile)).toBe(false);
    expect(cgroupDirsFor([id])).toEqual([]);
    expect(d.run(["system", "check"]).stdout).toBe("No problems found\n");
    expect(d.run(["start", "-a", "full"]).exitCode).toBe(3);
    d.ok(["rm", "full"]);
  });
});
