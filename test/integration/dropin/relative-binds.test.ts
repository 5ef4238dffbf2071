// issue 20 item 5: relative bind sources (docker 23+): `-v .:/src`, `-v ./data:/d`, `-v ../x:/y` and
// `--mount type=bind,src=./data,…` are binds of those paths under the working directory.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, BUNKER } from "../harness.ts";

let b: Bunker;
let dir: string;
let project: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  dir = realpathSync(mkdtempSync("/var/tmp/bunker-relbind-"));
  project = join(dir, "project");
  mkdirSync(join(project, "data"), { recursive: true });
  mkdirSync(join(dir, "x"));
  writeFileSync(join(project, "here"), "project\n");
  writeFileSync(join(project, "data", "f"), "data\n");
  writeFileSync(join(dir, "x", "g"), "sibling\n");
});
afterAll(() => {
  b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** bunker ARGS run from the project directory, as a user in it would. */
function inProject(args: string[]): { stdout: string; stderr: string; exitCode: number } {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, ...args], { cwd: project, stdin: "ignore" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

test("-v with ., ./data and ../x binds those directories under the working directory", () => {
  const r = inProject(["run", "--rm", "-v", ".:/src", "-v", "./data:/d:ro", "-v", "../x:/y", "busybox", "cat", "/src/here", "/d/f", "/y/g"]);
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("project\ndata\nsibling\n");
  expect(r.exitCode).toBe(0);
});

test("--mount type=bind takes a relative source too", () => {
  const r = inProject(["run", "--rm", "--mount", "type=bind,src=./data,dst=/d", "--mount", "type=bind,source=..,target=/up,readonly", "busybox", "cat", "/d/f", "/up/x/g"]);
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe("data\nsibling\n");
});

test("the container records the absolute path, so it starts the same from anywhere", () => {
  const id = inProject(["create", "-v", "./data:/d", "busybox", "cat", "/d/f"]).stdout.trim();
  expect(b.ok(["inspect", "-f", "{{range .Mounts}}{{.Source}}{{end}}", id])).toBe(`${join(project, "data")}\n`);
  expect(b.ok(["start", "-a", id])).toBe("data\n"); // from the test's own working directory
  b.ok(["rm", id]);
});
