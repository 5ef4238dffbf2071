import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tarStream from "tar-stream";
import { fileOutput, type TarEntry, writeTar } from "../../../src/image/tar-writer.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync("/tmp/bunker-tar-writer-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function members(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const e of extract) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c as Buffer);
      out[e.header.name] = Buffer.concat(chunks).toString();
    }
  })();
  extract.end(readFileSync(path));
  await done;
  return out;
}

async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}

test("data and streamed entries (with a size known later) are written in order; the file appears at the end", async () => {
  const path = join(dir, "out.tar");
  const entries: TarEntry[] = [
    { name: "a.json", data: "{}" },
    { name: "big/layer.tar", size: Promise.resolve(10), open: () => chunks("01234", "56789") },
  ];
  await writeTar(entries, fileOutput(path));
  expect(await members(path)).toEqual({ "a.json": "{}", "big/layer.tar": "0123456789" });
  expect(readdirSync(dir)).toEqual(["out.tar"]);
});

test("a stream that is not the size announced fails, and leaves neither the file nor a temp file", async () => {
  const path = join(dir, "out.tar");
  writeFileSync(path, "the old archive");
  const entries: TarEntry[] = [{ name: "layer.tar", size: 4, open: () => chunks("0123456789") }];
  await expect(writeTar(entries, fileOutput(path))).rejects.toThrow("cannot write layer.tar: its source is not the 4 bytes announced");
  expect(readFileSync(path, "utf8")).toBe("the old archive");
  expect(readdirSync(dir)).toEqual(["out.tar"]);
});

test("a failing source is reported as itself", async () => {
  async function* broken(): AsyncGenerator<Uint8Array> {
    yield new Uint8Array(3);
    throw new Error("disk on fire");
  }
  const path = join(dir, "out.tar");
  await expect(writeTar([{ name: "x", size: 10, open: broken }], fileOutput(path))).rejects.toThrow("disk on fire");
  expect(existsSync(path)).toBe(false);
});
