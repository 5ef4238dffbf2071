// Issue 19 item 7: the first run on a machine without nftables. The default
// bridge needs `nft`; without it `run` says which package to install and what
// else works, in one line, and leaves nothing behind (a --rm container, a
// veth, host network state). scripts/bare-check plays the whole first run in a
// minimal Debian chroot.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { Bunker, expectOneLineError, vethsOf } from "../harness.ts";

let b: Bunker;
let netDir: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  netDir = mkdtempSync("/run/bunker-test-net-"); // a host whose bunker has set up no network yet
});
afterAll(() => {
  b.cleanup();
  b.run(["network", "prune", "-f"], { env: { BUNKER_NET_DIR: netDir } });
  rmSync(netDir, { recursive: true, force: true });
});

test("without nft, run on the default bridge names the package and the networks that work, and leaves nothing", () => {
  const noNft = { PATH: "/nonexistent", BUNKER_NET_DIR: netDir };
  const r = b.run(["run", "--rm", "busybox", "true"], { env: noNft });
  expectOneLineError(r, 125, /install the nftables package.*--network none or --network host/);
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
  const named = b.run(["run", "--name", "kept", "busybox", "true"], { env: noNft });
  expect(named.exitCode).toBe(125);
  const id = b.ok(["inspect", "-f", "{{.Id}}", "kept"]).trim();
  expect(b.ok(["inspect", "-f", "{{.State.Status}}", "kept"]).trim()).toBe("created"); // as docker leaves a failed start
  expect(vethsOf([id])).toEqual([]);
  b.ok(["rm", "kept"]);
  expect(b.ok(["run", "--rm", "--network", "none", "busybox", "echo", "none works"], { env: noNft })).toBe("none works\n");
});
