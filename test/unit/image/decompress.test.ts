import { expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { compressionOf, decompress } from "../../../src/image/decompress.ts";

const data = new TextEncoder().encode("layer bytes ".repeat(10_000));

async function collect(bytes: Uint8Array, chunk: number): Promise<Uint8Array> {
  async function* input() {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  }
  const out: Uint8Array[] = [];
  for await (const c of decompress(input())) out.push(c);
  return Buffer.concat(out);
}

test.each([
  ["none", (b: Uint8Array) => b],
  ["gzip", (b: Uint8Array) => gzipSync(b)],
  ["zstd", (b: Uint8Array) => Bun.zstdCompressSync(b)],
])("%s is detected and decompressed, whatever the chunking", async (kind, compress) => {
  const bytes = compress(data);
  expect(compressionOf(bytes)).toBe(kind as "none");
  for (const chunk of [1, 3, 65536]) expect(Buffer.compare(await collect(bytes, chunk), Buffer.from(data))).toBe(0);
});

test("a truncated gzip stream is an error, and an empty one yields nothing", async () => {
  await expect(collect(gzipSync(data).subarray(0, 100), 64)).rejects.toThrow();
  expect((await collect(new Uint8Array(0), 1)).length).toBe(0);
});
