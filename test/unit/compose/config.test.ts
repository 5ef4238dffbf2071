// Golden tests: each directory under test/fixtures/compose holds a project
// (compose files, maybe a .env, the shell environment in env.json) and the
// model `compose config --format json` must print for it.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renderConfig } from "../../../src/compose/config.ts";
import { loadProject } from "../../../src/compose/load.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures/compose");

for (const name of readdirSync(FIXTURES)) {
  const dir = join(FIXTURES, name);
  if (!existsSync(join(dir, "expected.json"))) continue;
  test(`compose config: ${name}`, () => {
    const env = existsSync(join(dir, "env.json")) ? JSON.parse(readFileSync(join(dir, "env.json"), "utf8")) : {};
    const project = loadProject({ files: [], cwd: dir, env, envFiles: [], profiles: [] });
    expect(JSON.parse(renderConfig(project, [], "json"))).toEqual(JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")));
  });
}
