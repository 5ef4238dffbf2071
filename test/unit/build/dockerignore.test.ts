import { expect, test } from "bun:test";
import { IgnoreMatcher } from "../../../src/build/dockerignore.ts";

test.each<[string, string, boolean]>([
  ["*.log", "a.log", true],
  ["*.log", "dir/a.log", false], // * stays within one path element
  ["**/*.log", "dir/sub/a.log", true],
  ["**/*.log", "a.log", true],
  ["node_modules", "node_modules/x/y.js", true], // a parent directory that matches excludes its contents
  ["/secret", "secret", true],
  ["dir/", "dir/file", true],
  ["a?c", "abc", true],
  ["[a-c].txt", "b.txt", true],
  ["*.md\n!README.md", "README.md", false],
  ["*.md\n!README.md", "NOTES.md", true],
  ["!keep\n*", "keep", true], // the last match decides
  ["# comment\n\ntmp", "tmp/x", true],
])("%j excludes %s: %s", (patterns, path, ignored) => {
  expect(new IgnoreMatcher(patterns).ignored(path)).toBe(ignored);
});

test("a directory is pruned only when no exception could bring something back", () => {
  expect(new IgnoreMatcher("build").prunes("build")).toBe(true);
  expect(new IgnoreMatcher("build\n!build/keep").prunes("build")).toBe(false);
  expect(new IgnoreMatcher("build\n!**/keep").prunes("build")).toBe(false);
  expect(new IgnoreMatcher("build\n!keep.log").prunes("build")).toBe(true);
});
