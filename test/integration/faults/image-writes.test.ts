// Issue 19: kill -9 at every step of pull, commit and build. Each image write
// unpacks under image/tmp and commits layers, blobs and the image record under
// the images lock, so a kill anywhere leaves the image whole or absent: after
// it the store loads, `system check --repair` leaves nothing half-made, and a
// retry succeeds. (pull is played from an OCI layout: the same store
// destination as a registry pull, with no server to start.)
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker } from "../harness.ts";

let b: Bunker;
let scratch: string;
let layout: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-image-writes-");
  layout = join(scratch, "layout");
  b.ok(["push", "busybox", `oci:${layout}:bb`]);
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs ARGS with bunker killing itself at STEP, and checks that it did. */
function killedAt(step: string, args: string[], store: Bunker = b): void {
  const r = store.run(args, { env: { BUNKER_CRASH_AT: step } });
  expect({ step, exitCode: r.exitCode }).toEqual({ step, exitCode: -1 }); // no exit code: ended by SIGKILL
}

/** What must hold after a kill: the store loads, a repair leaves it clean, and REF is whole (it runs) or absent. */
function wholeOrAbsent(ref: string, store: Bunker = b): void {
  for (const args of [["ps", "-a"], ["images"], ["volume", "ls"]]) store.ok(args);
  expect(store.run(["system", "check", "--repair"]).exitCode).toBe(0);
  expect(store.run(["system", "check"]).stdout).toBe("No problems found\n");
  if (store.ok(["images", "-q", ref]).trim()) expect(store.ok(["run", "--rm", ref, "echo", "whole"])).toBe("whole\n");
}

describe("pull", () => {
  for (const step of ["pull.before-commit", "pull.config-committed"]) {
    test(`killed at ${step}: the image is absent, nothing of it is left, and a retry pulls it`, () => {
      const fresh = new Bunker();
      try {
        killedAt(step, ["pull", `oci:${layout}:bb`], fresh);
        wholeOrAbsent("bb", fresh);
        expect(fresh.ok(["images", "-q"]).trim()).toBe("");
        // An OCI layout's image comes without a repository name: it is run by its id.
        const id = fresh.ok(["pull", "-q", `oci:${layout}:bb`]).trim();
        expect(fresh.ok(["run", "--rm", id, "echo", "pulled"])).toBe("pulled\n");
      } finally {
        fresh.cleanup();
      }
    });
  }
});

describe("commit", () => {
  for (const step of ["commit.before-commit", "commit.layer-committed"]) {
    test(`killed at ${step}: no image, nothing half-made, and a retry commits`, () => {
      b.ok(["run", "--name", "src", "busybox", "sh", "-c", "echo made > /made"]);
      try {
        killedAt(step, ["commit", "src", "committed:1"]);
        wholeOrAbsent("committed:1");
        expect(b.ok(["images", "-q", "committed:1"]).trim()).toBe("");
        b.ok(["commit", "src", "committed:1"]);
        expect(b.ok(["run", "--rm", "committed:1", "cat", "/made"])).toBe("made\n");
      } finally {
        b.run(["rm", "-f", "src"]);
        b.run(["rmi", "committed:1"]);
      }
    });
  }
});

describe("build", () => {
  const ctx = () => {
    const dir = join(scratch, "ctx");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Dockerfile"), "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n");
    return dir;
  };
  for (const step of ["build.before-step-commit", "build.step-layer-committed", "build.before-tag"]) {
    test(`killed at ${step}: the tag is absent or whole, a repair leaves nothing half-made, and a retry builds`, () => {
      killedAt(step, ["build", "-q", "--no-cache", "-t", "built:1", ctx()]);
      wholeOrAbsent("built:1");
      expect(b.ok(["images", "-q", "built:1"]).trim()).toBe("");
      b.ok(["build", "-q", "-t", "built:1", ctx()]);
      expect(b.ok(["run", "--rm", "built:1", "cat", "/one", "/two"])).toBe("one\ntwo\n");
      b.ok(["rmi", "built:1"]);
      b.ok(["builder", "prune", "-f"]);
    });
  }
});
