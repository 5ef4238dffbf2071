// Files bunker reads out of an image's layers on the host (/etc/passwd and
// /etc/group for USER) are resolved inside each layer: a layer whose /etc is a
// symlink to a host directory must not make bunker read the host's files.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostileArchive } from "../../fixtures/hostile-image.ts";
import { makeTar } from "../../fixtures/test-image.ts";
import { Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

let b: Bunker;
let scratch: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-imagefiles-");
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

test("USER is looked up in the image's own /etc/passwd, never through a layer's symlink to the host", async () => {
  const hostEtc = join(scratch, "host-etc");
  mkdirSync(hostEtc);
  writeFileSync(join(hostEtc, "passwd"), "hostonly:x:4242:4242::/:/bin/sh\n");
  writeFileSync(join(hostEtc, "group"), "hostonly:x:4242:\n");
  // A whiteout-free top layer that replaces /etc with a symlink to the host directory.
  const layer = await makeTar([{ name: "etc", type: "symlink", linkname: hostEtc }]);
  const file = join(scratch, "evil.tar");
  writeFileSync(file, await hostileArchive(busyboxTar(), { User: "hostonly", Cmd: ["id", "-u"] }, "evil/etc:1", [layer]));
  b.ok(["load", "-i", file]);
  const r = b.run(["run", "--rm", "evil/etc:1"]);
  expect(r.stdout).not.toContain("4242");
  expectOneLineError(r, 125, /unable to find user hostonly/);
});
