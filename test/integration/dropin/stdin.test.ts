// issue 20 item 1: `cat big | run -i` passes every byte, delivers EOF, and returns the container's exit code
// (psql < dump.sql, tar c . | docker run -i …). Random bytes also hold ctrl-p ctrl-q, which detach only a terminal.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { Bunker, BUNKER } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const big = randomBytes(100 * 1024 * 1024);

test("100 MB through run -i reaches the container whole, with EOF", () => {
  const want = new Bun.CryptoHasher("sha256").update(big).digest("hex");
  const r = b.run(["run", "-i", "--rm", "busybox", "sha256sum"], { stdin: big });
  expect(r.stderr).toBe("");
  expect(r.stdout).toBe(`${want}  -\n`);
  expect(r.exitCode).toBe(0);
});

test("the container's output keeps flowing while its stdin is full: cat echoes all of it back", () => {
  const r = Bun.spawnSync(["sh", "-c", `"$0" --root "$1" run -i --rm busybox cat | wc -c`, BUNKER, b.root], { stdin: big.subarray(0, 20 * 1024 * 1024) });
  expect(r.stdout.toString().trim()).toBe(String(20 * 1024 * 1024));
});

test("the exit code comes back after the container read all of its stdin, or only part of it", () => {
  expect(b.run(["run", "-i", "--rm", "busybox", "sh", "-c", "cat > /dev/null; exit 3"], { stdin: big }).exitCode).toBe(3);
  expect(b.run(["run", "-i", "--rm", "busybox", "sh", "-c", "head -c 10 > /dev/null; exit 4"], { stdin: big.subarray(0, 1024 * 1024) }).exitCode).toBe(4);
  expect(b.containerIds()).toEqual([]); // none left running
});
