import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { lgetxattr } from "../../../ffi/fsx.ts";
import { LayerError, unpackLayer } from "../../../src/image/unpack.ts";

type Entry = { header: Partial<tar.Header> & { name: string }; body?: string | Uint8Array };

/** Builds an uncompressed tar with tar-stream's packer. */
async function makeTar(entries: Entry[]): Promise<Uint8Array<ArrayBuffer>> {
  const pack = tar.pack();
  for (const e of entries) if (e.body === undefined) pack.entry(e.header);
    else pack.entry(e.header, e.body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return new Uint8Array(Buffer.concat(chunks));
}

const sha256 = (b: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(b).digest("hex")}`;
const isRoot = process.getuid?.() === 0;
const mtime = new Date("2020-01-02T03:04:05Z");

const file = (name: string, body: string | Uint8Array, extra: Partial<tar.Header> = {}): Entry => ({ header: { name, type: "file", mode: 0o644, mtime, ...extra }, body });
const dir = (name: string, extra: Partial<tar.Header> = {}): Entry => ({ header: { name, type: "directory", mode: 0o755, mtime, ...extra } });
const symlink = (name: string, linkname: string): Entry => ({ header: { name, type: "symlink", linkname, mtime } });
const hardlink = (name: string, linkname: string): Entry => ({ header: { name, type: "link", linkname, mtime } });

let tmp: string;
let dest: string;
let victim: string;

beforeEach(() => {
  tmp = fs.mkdtempSync("/tmp/bunker-unpack-");
  dest = path.join(tmp, "dest");
  victim = path.join(tmp, "victim");
  fs.mkdirSync(dest);
  fs.mkdirSync(victim);
  fs.writeFileSync(path.join(victim, "secret"), "do not touch\n");
  fs.mkdirSync(path.join(victim, "sub"));
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Everything observable about a tree: names, types, modes, sizes, times, contents. */
function snapshot(root: string): string {
  const out: string[] = [];
  const walk = (rel: string) => {
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    let line = `${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`;
    if (st.isFile()) line += ` ${fs.readFileSync(p, "hex")}`;
    if (st.isSymbolicLink()) line += ` -> ${fs.readlinkSync(p)}`;
    out.push(line);
    if (st.isDirectory()) for (const n of fs.readdirSync(p).sort()) walk(path.join(rel, n));
  };
  walk(".");
  return out.join("\n");
}

async function* chunked(buf: Uint8Array, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe("unpackLayer", () => {
  test("extracts files, directories, links and metadata; diffId is the tar's sha256", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const layer = await makeTar([
      dir("./"),
      dir("etc/", { mode: 0o750, uid: 12, gid: 34 }),
      file("etc/hosts", "127.0.0.1 localhost\n", { mode: 0o640, uid: 1000, gid: 1001 }),
      symlink("etc/link", "hosts"),
      symlink("etc/abs", "/nowhere/at/all"),
      hardlink("etc/hard", "etc/hosts"),
      file("./usr/bin/suid", "#!/bin/sh\n", { mode: 0o4755, uid: 1000, gid: 1000 }),
      file("/usr/bin/sgid", "x", { mode: 0o2711, uid: 0, gid: 50 }),
      dir("tmp/", { mode: 0o1777 }),
      file("a/b/c/deep.txt", "deep"), // parents are not in the archive
      file("big.bin", big),
      { header: { name: "fifo", type: "fifo", mode: 0o600, mtime } },
      { header: { name: "null", type: "character-device", mode: 0o666, devmajor: 1, devminor: 3, mtime } },
      dir("etc/", { mode: 0o755, uid: 0, gid: 0 }), // a second entry updates the directory
    ]);
    const r = await unpackLayer(chunked(layer, 1000), dest);
    expect(r.diffId).toBe(sha256(layer));
    expect(r.size).toBe(20 + 10 + 1 + 4 + big.length);

    const st = (p: string) => fs.lstatSync(path.join(dest, p));
    expect(fs.readFileSync(path.join(dest, "etc/hosts"), "utf8")).toBe("127.0.0.1 localhost\n");
    expect(st("etc/hosts").mode & 0o7777).toBe(0o640);
    expect(st("etc/hosts").mtime.getTime()).toBe(mtime.getTime());
    expect(st("etc").mode & 0o7777).toBe(0o755);
    expect(st("etc").mtime.getTime()).toBe(mtime.getTime()); // directory times are set last
    expect(fs.readlinkSync(path.join(dest, "etc/link"))).toBe("hosts");
    expect(fs.readlinkSync(path.join(dest, "etc/abs"))).toBe("/nowhere/at/all");
    expect(st("etc/hard").ino).toBe(st("etc/hosts").ino);
    expect(st("usr/bin/suid").mode & 0o7777).toBe(0o4755);
    expect(st("usr/bin/sgid").mode & 0o7777).toBe(0o2711);
    expect(st("usr").mode & 0o7777).toBe(0o755);
    expect(st("tmp").mode & 0o7777).toBe(0o1777);
    expect(fs.readFileSync(path.join(dest, "a/b/c/deep.txt"), "utf8")).toBe("deep");
    expect(fs.readFileSync(path.join(dest, "big.bin")).equals(big)).toBe(true);
    expect(st("fifo").isFIFO()).toBe(true);
    if (isRoot) {
      expect([st("etc/hosts").uid, st("etc/hosts").gid]).toEqual([1000, 1001]);
      expect([st("usr/bin/suid").uid, st("usr/bin/sgid").gid]).toEqual([1000, 50]);
      expect(st("null").isCharacterDevice()).toBe(true);
      expect(st("null").rdev).toBe(0x103);
    }
  });

  test("gzip, zstd and every input kind give the same diffId", async () => {
    const layer = await makeTar([dir("d/"), file("d/f", "hello")]);
    const inputs = [
      new Blob([layer]).stream(), // web ReadableStream
      Readable.from([Bun.gzipSync(layer)]), // node stream, gzip
      chunked(Bun.zstdCompressSync(layer), 1), // async iterable, zstd, magic split over chunks
    ];
    for (const input of inputs) {
      const d = fs.mkdtempSync(path.join(tmp, "x-"));
      const r = await unpackLayer(input, d);
      expect(r.diffId).toBe(sha256(layer));
      expect(fs.readFileSync(path.join(d, "d/f"), "utf8")).toBe("hello");
    }
  });

  test("later entries replace earlier ones without writing through them", async () => {
    const layer = await makeTar([
      symlink("s", path.join(victim, "secret")),
      file("s", "replaced"), // must replace the symlink, not write to victim/secret
      dir("d/"),
      symlink("d/out", victim),
      file("d", "now a file"), // removing d must not descend into victim
      file("h", "one"),
      hardlink("h2", "h"),
      file("h2", "two"), // must not write through the hard link into h
      file("x", "file"),
      dir("x/"), // a file replaced by a directory
      file("x/y", "inside"),
    ]);
    const before = snapshot(victim);
    await unpackLayer(chunked(layer, 4096), dest);
    expect(snapshot(victim)).toBe(before);
    expect(fs.lstatSync(path.join(dest, "s")).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(dest, "s"), "utf8")).toBe("replaced");
    expect(fs.readFileSync(path.join(dest, "d"), "utf8")).toBe("now a file");
    expect(fs.readFileSync(path.join(dest, "h"), "utf8")).toBe("one");
    expect(fs.readFileSync(path.join(dest, "h2"), "utf8")).toBe("two");
    expect(fs.readFileSync(path.join(dest, "x/y"), "utf8")).toBe("inside");
  });

  test("whiteouts become 0:0 character devices, opaque markers an xattr", async () => {
    const layer = await makeTar([
      dir("dir/"),
      file("dir/.wh.gone", ""),
      file(".wh.top", ""),
      file("made/.wh.x", ""), // parent not in the archive
      file("dir/existing", "x"),
      file("dir/.wh.existing", ""), // replaces what is there
      dir("op/"),
      file("op/.wh..wh..opq", ""),
      file("op/kept", "k"),
      file(".wh..wh.plnk", ""), // AUFS bookkeeping: ignored
    ]);
    await unpackLayer(chunked(layer, 512), dest);
    for (const p of ["dir/gone", "top", "made/x", "dir/existing"]) {
      const st = fs.lstatSync(path.join(dest, p));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0);
    }
    expect(fs.existsSync(path.join(dest, "dir/.wh.gone"))).toBe(false);
    expect(fs.existsSync(path.join(dest, ".wh..wh.plnk"))).toBe(false);
    expect(fs.existsSync(path.join(dest, "op/.wh..wh..opq"))).toBe(false);
    expect(fs.readFileSync(path.join(dest, "op/kept"), "utf8")).toBe("k");
    // getfattr is not installed here; read the xattr through libc instead.
    expect(lgetxattr(path.join(dest, "op"), "trusted.overlay.opaque")?.toString()).toBe("y");
    expect(lgetxattr(path.join(dest, "dir"), "trusted.overlay.opaque")).toBeNull();
  });

  const absVictim = () => victim; // resolved after beforeEach
  const hostile: Array<[string, () => Entry[], RegExp]> = [
    ["dot-dot entry", () => [file("../x", "pwn")], /"\.\.\/x" escapes the layer directory/],
    ["absolute dot-dot entry", () => [file("/../../x", "pwn")], /escapes the layer directory/],
    ["dot-dot in the middle", () => [dir("a/"), file("a/../../victim/secret", "pwn")], /escapes/],
    ["file through an absolute symlink", () => [symlink("a", absVictim()), file("a/pwn", "pwn")], /"a\/pwn" passes through a symlink/],
    ["file through a relative symlink", () => [symlink("a", "../victim"), file("a/pwn", "pwn")], /passes through a symlink/],
    ["file through a deeper relative symlink", () => [dir("x/"), symlink("x/a", "../../victim"), file("x/a/secret", "pwn")], /passes through a symlink/],
    ["directory through a symlink", () => [symlink("a", absVictim()), dir("a/sub/", { mode: 0o777 })], /passes through a symlink/],
    ["symlink through a symlink", () => [symlink("a", absVictim()), symlink("a/secret", "/etc/passwd")], /passes through a symlink/],
    ["device through a symlink", () => [symlink("a", absVictim()), { header: { name: "a/fifo", type: "fifo", mode: 0o644 } }], /passes through a symlink/],
    ["hard link to a dot-dot path", () => [hardlink("h", "../victim/secret")], /links to "\.\.\/victim\/secret"/],
    ["hard link through a symlink", () => [symlink("a", absVictim()), hardlink("h", "a/secret")], /passes through a symlink/],
    ["hard link to a symlink", () => [symlink("s", path.join(absVictim(), "secret")), hardlink("h", "s"), file("h", "pwn")], /not a file in the layer/],
    ["hard link to a missing file", () => [hardlink("h", "nope")], /not a file in the layer/],
    ["empty whiteout", () => [file(".wh.", "")], /"\.wh\." is an invalid whiteout/],
    ["dot-dot whiteout", () => [dir("d/"), file("d/.wh...", "")], /invalid whiteout/],
    ["whiteout through a symlink", () => [symlink("a", absVictim()), file("a/.wh.secret", "")], /passes through a symlink/],
    ["opaque marker through a symlink", () => [symlink("a", absVictim()), file("a/.wh..wh..opq", "")], /passes through a symlink/],
  ];

  for (const [what, entries, message] of hostile) {
    test(`refuses ${what}`, async () => {
      const before = snapshot(victim);
      const layer = await makeTar(entries());
      const err = await unpackLayer(chunked(layer, 700), dest).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(LayerError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain("\n");
      expect(snapshot(victim)).toBe(before);
      expect(fs.readdirSync(tmp).sort()).toEqual(["dest", "victim"]); // nothing landed beside dest
    });
  }

  describe("corrupt input", () => {
    const expectLayerError = async (input: Uint8Array, message: RegExp) => {
      const err = await unpackLayer(chunked(input, 1 << 16), dest).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(LayerError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain("\n");
    };
    const sample = () => {
      const body = Buffer.alloc(200_000);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7919) % 251;
      return makeTar([dir("d/"), file("d/data", body)]);
    };

    test("truncated gzip", async () => {
      const gz = Bun.gzipSync(await sample());
      await expectLayerError(gz.subarray(0, gz.length >> 1), /^invalid layer archive: /);
    });
    test("truncated zstd", async () => {
      const zst = Bun.zstdCompressSync(await sample());
      await expectLayerError(zst.subarray(0, zst.length >> 1), /^invalid layer archive: /);
    });
    test("truncated tar", async () => {
      const t = await sample();
      await expectLayerError(t.subarray(0, 100_000), /^invalid layer archive: unexpected end of data$/);
    });
    test("tar cut between two entries (no end-of-archive blocks)", async () => {
      const t = await makeTar([dir("d/"), file("d/f", "x"), file("d/g", "y")]);
      await expectLayerError(t.subarray(0, 1536), /^invalid layer archive: unexpected end of data$/);
    });
    test("garbage", async () => {
      await expectLayerError(Buffer.from("this is not a tar archive at all".repeat(40)), /^invalid layer archive: invalid tar header/);
    });
    test("gzip of garbage", async () => {
      await expectLayerError(Bun.gzipSync(Buffer.alloc(4096, 0x41)), /^invalid layer archive: /);
    });
    test("an input that fails", async () => {
      async function* broken() {
        yield (await makeTar([file("f", "x")])).subarray(0, 1024);
        throw new Error("connection reset\nby peer");
      }
      const err = await unpackLayer(broken(), dest).catch((e) => e);
      expect(err).toBeInstanceOf(LayerError);
      expect(err.message).toBe("cannot read layer: connection reset");
    });
    test("empty input", async () => {
      await expectLayerError(new Uint8Array(0), /^invalid layer archive: no data$/);
    });
  });
});
