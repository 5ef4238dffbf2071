import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mergeEnv, readEnvFile } from "../../../src/engine/env.ts";

describe("mergeEnv", () => {
  beforeAll(() => {
    process.env.BUNKER_TEST_FROM_HOST = "host value";
    delete process.env.BUNKER_TEST_UNSET;
  });
  afterAll(() => {
    delete process.env.BUNKER_TEST_FROM_HOST;
  });

  test("later lists win, keeping the first-seen order", () => {
    expect(mergeEnv(["PATH=/bin", "A=image", "B=image"], ["A=file"], ["B=flag", "C=flag"])).toEqual(["PATH=/bin", "A=file", "B=flag", "C=flag"]);
  });

  test("values keep their = signs and may be empty", () => {
    expect(mergeEnv(["A=x=y", "B="])).toEqual(["A=x=y", "B="]);
  });

  test("a bare NAME is kept as given (as dockerd's Config.Env), replacing an earlier value; never read from our own environment", () => {
    expect(mergeEnv(["BUNKER_TEST_FROM_HOST=image", "KEEP=1"], ["BUNKER_TEST_FROM_HOST"])).toEqual(["BUNKER_TEST_FROM_HOST", "KEEP=1"]);
  });

  test("an empty name is an error", () => {
    expect(() => mergeEnv(["=x"])).toThrow("invalid environment variable: =x");
  });
});

describe("readEnvFile", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bunker-envfile-");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("skips blank lines and comments, trims leading space only", () => {
    const path = join(dir, "env");
    writeFileSync(path, ["# comment", "", "A=1", "   B=two words ", "\t# indented comment", "BARE", "C=#not a comment"].join("\n"));
    expect(readEnvFile(path)).toEqual(["A=1", "B=two words ", "BARE", "C=#not a comment"]);
  });

  test("a missing file is a one-line error", () => {
    expect(() => readEnvFile(join(dir, "nope"))).toThrow(`open ${join(dir, "nope")}: no such file or directory`);
  });
});
