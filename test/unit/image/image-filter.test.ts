import { describe, expect, test } from "bun:test";
import { globToRegExp, referenceMatches } from "../../../src/image/image-filter.ts";

describe("globToRegExp is Go's path.Match", () => {
  test.each([
    ["busy*", "busybox", true],
    ["*", "a/b", false], // * never crosses a /
    ["*/*", "a/b", true],
    ["b?sybox", "busybox", true],
    ["b?sybox", "b/sybox", false],
    ["[a-c]at", "bat", true],
    ["[^a-c]at", "rat", true],
    ["[^a-c]at", "cat", false],
    ["\\*", "*", true],
    ["\\*", "a", false],
    ["a.b", "axb", false], // RegExp metacharacters are literal
    ["x+", "xx", false],
    ["[\\]]", "]", true],
  ])("%s against %s: %p", (pattern, s, matches) => expect(globToRegExp(pattern).test(s)).toBe(matches));

  test.each(["[", "[]", "[a", "\\", "[-a]", "[a-]", "[z-a]"])("%s is a syntax error", (pattern) => {
    expect(() => globToRegExp(pattern)).toThrow("syntax error in pattern");
  });
});

describe("referenceMatches is docker's FamiliarMatch", () => {
  test.each([
    ["busybox", "docker.io/library/busybox:latest", true], // the name alone
    ["busybox:latest", "docker.io/library/busybox:latest", true],
    ["busybox:1*", "docker.io/library/busybox:latest", false],
    ["docker.io/library/busybox", "docker.io/library/busybox:latest", false], // familiar form only
    ["library/*", "docker.io/library/busybox:latest", false],
    ["user/*", "docker.io/user/app:v1", true],
    ["localhost:5000/*/*:v1", "localhost:5000/ns/img:v1", true],
  ])("%s against %s: %p", (pattern, name, matches) => expect(referenceMatches(pattern, name)).toBe(matches));
});
