// README command 1 on a fresh clone: it installs, builds and runs a container offline.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REPO, mountsUnder } from "./harness.ts";

const work = mkdtempSync("/var/tmp/bunker-quickstart-");
afterAll(() => {
  expect(mountsUnder(work)).toEqual([]);
  rmSync(work, { recursive: true, force: true });
});

test("scripts/quickstart builds bunker and runs busybox on a fresh clone", () => {
  const clone = join(work, "clone");
  expect(Bun.spawnSync(["git", "clone", "-q", "--no-hardlinks", REPO, clone]).exitCode).toBe(0);
  const r = Bun.spawnSync(["bash", "scripts/quickstart"], {
    cwd: clone,
    env: { ...process.env, BUNKER_ROOT: join(work, "root") },
    stdin: "ignore",
  });
  const out = r.stdout.toString();
  expect(r.stderr.toString()).not.toContain("error");
  expect(out).toContain("hello from bunker\n");
  expect(r.exitCode).toBe(0);
  // The image is there for the user's next command, and no container was left behind.
  const images = Bun.spawnSync([join(clone, "dist/bunker"), "--root", join(work, "root"), "images", "-q", "busybox"]);
  expect(images.stdout.toString().trim()).toMatch(/^[a-f0-9]{12}$/);
  const ps = Bun.spawnSync([join(clone, "dist/bunker"), "--root", join(work, "root"), "ps", "-aq"]);
  expect(ps.stdout.toString()).toBe("");
}, 300_000);
