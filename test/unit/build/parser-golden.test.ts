// Golden parser cases: each test/fixtures/dockerfiles/<case>/Dockerfile is
// parsed and compared with expected.json beside it (the instructions, or the
// error message). UPDATE_GOLDEN=1 rewrites the expectations.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDockerfile } from "../../../src/build/parser/parse.ts";

const DIR = join(import.meta.dir, "..", "..", "fixtures", "dockerfiles");

function parsed(source: string): unknown {
  try {
    return parseDockerfile(source);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

for (const name of readdirSync(DIR).sort()) {
  test(`golden: ${name}`, () => {
    const actual = parsed(readFileSync(join(DIR, name, "Dockerfile"), "utf8"));
    const expectedPath = join(DIR, name, "expected.json");
    if (process.env.UPDATE_GOLDEN || !existsSync(expectedPath)) writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
    expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, "utf8")));
    if (name.startsWith("err-")) expect(actual).toHaveProperty("error");
    else expect(actual).not.toHaveProperty("error");
  });
}
