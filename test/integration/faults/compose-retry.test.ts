// Kill -9 of `compose up -d` at every step of bringing a service up (issue 19, item 6),
// then `compose up -d` again: exactly one container per service, each running with one
// init in its cgroup, on all its networks; `compose ps` truthful throughout; `compose
// down` removes it all. Steps: docs/storage.md, Crash windows.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, Bunker } from "../harness.ts";
import { crashAt, processesInCgroup } from "./launch-window.ts";

let b: Bunker;
let dir: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  dir = mkdtempSync("/var/tmp/bunker-compose-retry-");
});
afterAll(() => {
  b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

// db, started first, joins two networks: the second is connected after create, so a kill in between must not lose it.
const STACK = `
services:
  db:
    image: busybox
    command: sleep 1000
    networks: [back, front]
  web:
    image: busybox
    command: sleep 1000
    networks: [front]
    depends_on: [db]
networks:
  front:
  back:
`;

function compose(cwd: string, args: string[]) {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, "compose", ...args], { cwd, stdin: "ignore" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

interface PsEntry {
  ID: string;
  Service: string;
  State: string;
}

function composePs(cwd: string): PsEntry[] {
  const r = compose(cwd, ["ps", "-a", "--format", "json"]);
  expect(r.exitCode).toBe(0);
  return r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

const fullId = (short: string) => b.ok(["inspect", "-f", "{{.Id}}", short]).trim();

/** What compose ps says matches what runs: a running container has its one init, any other none. */
function expectTruthful(cwd: string): PsEntry[] {
  const ps = composePs(cwd);
  for (const c of ps) expect([c.Service, c.State, processesInCgroup(fullId(c.ID))]).toEqual([c.Service, c.State, c.State === "running" ? 1 : 0]);
  return ps;
}

const STEPS = ["compose.after-create", "start.before-launch", "start.monitor-recorded", "start.after-launch", "start.after-record", "compose.after-start"];

test.each(STEPS)("kill -9 of compose up -d at %s, then up -d again: one container per service, each running once", (step) => {
  const cwd = join(dir, step.replace(".", "-"));
  mkdirSync(cwd);
  writeFileSync(join(cwd, "compose.yaml"), STACK);

  crashAt(b, step, ["compose", "up", "-d"], { cwd });
  expect(b.run(["ps", "-a"]).exitCode).toBe(0); // the store loads
  expectTruthful(cwd);

  const again = compose(cwd, ["up", "-d"]);
  expect([again.exitCode, again.stderr]).toEqual([0, expect.any(String)]);
  const ps = expectTruthful(cwd);
  expect(ps.map((c) => [c.Service, c.State]).sort()).toEqual([["db", "running"], ["web", "running"]]);
  const project = step.replace(".", "-");
  const nets = b.ok(["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", `${project}-db-1`]).trim().split(" ").sort();
  expect(nets).toEqual([`${project}_back`, `${project}_front`]);
  expect(b.run(["system", "check"])).toMatchObject({ exitCode: 0, stdout: "No problems found\n" });

  // A third up changes nothing.
  expect(compose(cwd, ["up", "-d"]).exitCode).toBe(0);
  expect(composePs(cwd).map((c) => c.ID).sort()).toEqual(ps.map((c) => c.ID).sort());

  expect(compose(cwd, ["down", "-t", "0"]).exitCode).toBe(0); // sleep as PID 1 ignores SIGTERM
  expect(composePs(cwd)).toEqual([]);
  expect(b.ok(["network", "ls", "--format", "{{.Name}}"])).not.toContain(project);
});
