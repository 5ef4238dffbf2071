// Bad compose files: one line that names the key and its path, exit code 1.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadProject } from "../../../src/compose/load.ts";
import { BunkerError } from "../../../src/lib/errors.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function load(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "bunker-compose-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadProject({ files: [], cwd: dir, env, envFiles: [], profiles: [] });
}

function failure(files: Record<string, string>, env: Record<string, string> = {}): BunkerError {
  try {
    load(files, env);
  } catch (e) {
    if (e instanceof BunkerError) return e;
    throw e;
  }
  throw new Error("expected an error");
}

test("an unknown key is named with its path", () => {
  const e = failure({ "compose.yaml": "services:\n  web:\n    image: busybox\n    colour: blue\n" });
  expect(e.message).toContain("services.web: additional property colour is not allowed");
  expect(e.exitCode).toBe(1);
  expect(failure({ "compose.yaml": "services: {}\nextra: 1\n" }).message).toContain("(root): additional property extra is not allowed");
  expect(failure({ "compose.yaml": "services:\n  web:\n    image: busybox\n    healthcheck:\n      tset: [CMD, true]\n" }).message).toContain(
    "services.web.healthcheck: additional property tset is not allowed",
  );
});

test("a wrong type is named with its path", () => {
  expect(failure({ "compose.yaml": "services:\n  web:\n    image: busybox\n    ports: 80\n" }).message).toContain("services.web.ports");
});

test("x- extension keys are allowed and ignored", () => {
  const p = load({ "compose.yaml": "x-common: &c\n  image: busybox\nservices:\n  web:\n    <<: *c\n    x-note: hi\n" });
  expect(p.services.web.image).toBe("busybox");
});

test("a cyclic depends_on is reported", () => {
  const e = failure({ "compose.yaml": "services:\n  a: {image: busybox, depends_on: [b]}\n  b: {image: busybox, depends_on: [c]}\n  c: {image: busybox, depends_on: [a]}\n" });
  expect(e.message).toMatch(/dependency cycle detected: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
});

test("${VAR:?message} fails with the message when VAR is missing", () => {
  expect(failure({ "compose.yaml": "services:\n  web:\n    image: ${IMAGE:?set IMAGE to the image to run}\n" }).message).toContain("set IMAGE to the image to run");
});

test("include brings another file's services in; redefining one is an error", () => {
  const p = load({ "compose.yaml": "include: [sub/other.yaml]\nservices:\n  web: {image: busybox}\n", "sub/other.yaml": "services:\n  db: {image: busybox}\n" });
  expect(Object.keys(p.services).sort()).toEqual(["db", "web"]);
  expect(failure({ "compose.yaml": "include: [other.yaml]\nservices:\n  db: {image: busybox}\n", "other.yaml": "services:\n  db: {image: busybox}\n" }).message).toContain("conflicts");
});

test("a service needs an image or a build section", () => {
  expect(failure({ "compose.yaml": "services:\n  web:\n    command: echo hi\n" }).message).toContain('service "web" has neither an image nor a build context');
});

test("the project name comes from -p, COMPOSE_PROJECT_NAME, name:, or the directory, normalised", () => {
  const p = load({ "compose.yaml": "services:\n  web: {image: busybox}\n" }, { COMPOSE_PROJECT_NAME: "My.App_1" });
  expect(p.name).toBe("myapp_1");
});

test("a key of the specification that bunker does not carry out is an error, never ignored", () => {
  const e = failure({ "compose.yaml": "services:\n  web:\n    image: busybox\n    deploy: {restart_policy: {condition: any}}\nsecrets:\n  s: {environment: TOKEN}\n" });
  expect(e.message).toBe("secrets.s.environment: not supported by bunker (nor services.web.deploy.restart_policy)");
});
