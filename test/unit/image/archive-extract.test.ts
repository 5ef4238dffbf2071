import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tarStream from "tar-stream";
import { makeTar, type TarEntry } from "../../fixtures/test-image.ts";
import { extractArchive, linkTarget, memberName } from "../../../src/image/archive-extract.ts";

describe("member names", () => {
  test.each([
    ["manifest.json", "manifest.json"],
    ["./manifest.json", "manifest.json"],
    ["a//b/./c", "a/b/c"],
    ["./", ""],
  ])("%s -> %s", (name, clean) => expect(memberName(name)).toBe(clean));

  test.each([
    ["../x", "escapes the archive"],
    ["a/../../x", "escapes the archive"],
    ["a/../b", "escapes the archive"], // harmless, but no archive writer makes it: refused
    ["/etc/passwd", "has an absolute name"],
  ])("%s is refused", (name, message) => expect(() => memberName(name)).toThrow(message));

  test("a symlink resolves against its own directory and must stay inside", () => {
    expect(linkTarget("v1/layer.tar", "../abc.tar")).toBe("abc.tar");
    expect(linkTarget("a/b/l", "./c")).toBe("a/b/c");
    expect(() => linkTarget("l", "../x")).toThrow("links outside the archive");
    expect(() => linkTarget("l", "/etc/passwd")).toThrow("links to an absolute path");
  });
});

describe("extractArchive", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync("/tmp/bunker-archive-");
    mkdirSync(join(dir, "out"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const extract = async (entries: TarEntry[], wrap = (b: Uint8Array) => b, chunk = 1 << 16) => {
    const bytes = wrap(await makeTar(entries));
    // Small chunks too: the compression magic may arrive split across reads.
    async function* input() {
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    }
    return extractArchive(input(), join(dir, "out"));
  };

  test("files are written, links become aliases and are never created", async () => {
    const archive = await extract([
      { name: "abc.tar", content: "layer" },
      { name: "v1/layer.tar", type: "symlink", linkname: "../abc.tar" },
      { name: "hard", type: "link", linkname: "abc.tar" },
      { name: "d", type: "directory" },
    ]);
    expect(readFileSync(archive.path("v1/layer.tar", "layer"), "utf8")).toBe("layer");
    expect(archive.find("./hard")).toBe(join(dir, "out", "abc.tar"));
    expect(archive.find("d")).toBeUndefined();
    expect(() => archive.path("missing", "layer")).toThrow('invalid archive: layer "missing" is not in the archive');
    expect(readdirSync(join(dir, "out")).sort()).toEqual(["abc.tar"]); // no v1/ link, no hard link, no d/
  });

  test("gzip and zstd archives are decompressed, even when read a byte at a time", async () => {
    const entries = [{ name: "manifest.json", content: "[]" }];
    for (const wrap of [(b: Uint8Array) => gzipSync(b), (b: Uint8Array) => Bun.zstdCompressSync(b)]) {
      rmSync(join(dir, "out"), { recursive: true });
      mkdirSync(join(dir, "out"));
      const archive = await extract(entries, wrap, 1);
      expect(archive.read("manifest.json", "file", 100).toString()).toBe("[]");
    }
  });

  test("a link loop is an error, not a hang", async () => {
    const archive = await extract([
      { name: "a", type: "symlink", linkname: "b" },
      { name: "b", type: "symlink", linkname: "a" },
    ]);
    expect(() => archive.find("a")).toThrow("too many links");
  });

  test("a device entry is refused; so is reading a file over its size limit", async () => {
    const pack = tarStream.pack();
    pack.entry({ name: "null", type: "character-device", devmajor: 1, devminor: 3 });
    pack.finalize();
    const device = extractArchive(pack as unknown as AsyncIterable<Uint8Array>, join(dir, "out"));
    await expect(device).rejects.toThrow('invalid archive: entry "null" is a character-device; an image archive holds only files');
    rmSync(join(dir, "out"), { recursive: true });
    mkdirSync(join(dir, "out"));
    const archive = await extract([{ name: "big.json", content: "x".repeat(100) }]);
    expect(() => archive.read("big.json", "config", 10)).toThrow('invalid archive: config "big.json" is 100 bytes, over the 10-byte limit');
  });

  test("hostile names fail before anything is written outside", async () => {
    await expect(extract([{ name: "../escaped", content: "x" }])).rejects.toThrow('invalid archive: entry "../escaped" escapes the archive');
    expect(existsSync(join(dir, "escaped"))).toBe(false);
  });
});
