import { describe, expect, test } from "bun:test";
import { encodeWords, SpawnError } from "../../../ffi/native.ts";
import { findNul, isOneLine } from "../../../src/lib/untrusted-text.ts";

describe("encodeWords (native.c's decode_words reads it)", () => {
  test("each word is a little-endian length, its UTF-8 bytes and a NUL", () => {
    expect([...encodeWords(["ab", "", "é"])]).toEqual([2, 0, 0, 0, 97, 98, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9, 0]);
  });
  test("a word holding a NUL is refused with EINVAL", () => {
    expect(() => encodeWords(["workdir", "/\0exec"])).toThrow(SpawnError);
    try {
      encodeWords(["/\0exec"]);
    } catch (e) {
      expect((e as SpawnError).errno).toBe(22);
    }
  });
});

describe("findNul", () => {
  test("names the path of the first string or key holding a NUL", () => {
    expect(findNul({ Config: { Env: ["A=1", "B=\0"] } })).toBe("Config.Env[1]");
    expect(findNul({ Config: { Volumes: { "/a\0b": {} } } })).toBe('Config.Volumes key "/a\\u0000b"');
    expect(findNul({ Config: { Env: ["A=1"], Cmd: null, Tty: true } })).toBeNull();
  });
});

test("isOneLine refuses newline, carriage return and NUL", () => {
  expect(isOneLine("a b")).toBe(true);
  for (const s of ["a\nb", "a\rb", "a\0b"]) expect(isOneLine(s)).toBe(false);
});
