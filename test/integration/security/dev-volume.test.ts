// A /dev that comes from a volume (VOLUME /dev in the image, or -v NAME:/dev) keeps what the image or an
// earlier container put there. A /dev/null that is a symlink to a /proc file must not lead the container's
// setup to it (CVE-2025-31133's pattern): mknod meeting EEXIST and chmod by path changed that /proc entry's
// mode for the whole kernel, and masking by path made every masked file a bind of it. bunker refuses to
// start such a container, as runc 1.2.8 does, and a /dev volume holding the real nodes keeps working.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

// Masked by default, and a proc_dir_entry whose mode a chmod changes for every later mount of /proc.
const TARGET = ["/proc/timer_list", "/proc/sysrq-trigger", "/proc/kcore"].find((p) => existsSync(p));
const USERNS = ["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"];

/** TARGET's mode as a fresh mount of /proc shows it: the kernel's own, not the host /proc's cached inode. */
function kernelMode(): string {
  const r = Bun.spawnSync(["unshare", "-fp", "--mount-proc", "stat", "-c", "%a", TARGET!]);
  if (r.exitCode !== 0) throw new Error(`unshare stat failed: ${r.stderr}`);
  return r.stdout.toString().trim();
}

function expectRefused(args: string[]): void {
  const r = b.run(["run", "--rm", ...args, "true"]);
  expectOneLineError(r, 125, /refusing .*\/dev\/null/);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(kernelMode()).toBe(mode);
}

let b: Bunker;
let tmp: string;
let mode: string;

beforeAll(() => {
  b = Bunker.withBusybox();
  tmp = mkdtempSync("/var/tmp/bunker-devvol-");
  if (!TARGET) return;
  mode = kernelMode();
  // busybox plus dev/null -> TARGET, with VOLUME /dev: the anonymous volume is filled from the image's /dev.
  copyFileSync(busyboxTar(), join(tmp, "image.tar"));
  mkdirSync(join(tmp, "extra", "dev"), { recursive: true });
  symlinkSync(TARGET, join(tmp, "extra", "dev", "null"));
  const tar = Bun.spawnSync(["tar", "-C", join(tmp, "extra"), "--owner=0", "--group=0", "-rf", join(tmp, "image.tar"), "dev/null"]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  b.ok(["import", "--change", "VOLUME /dev", join(tmp, "image.tar"), "devlink"]);
});

afterAll(() => {
  // Against a binary without the fix the kernel's mode changed: put it back for everything else on this host.
  if (TARGET && mode && kernelMode() !== mode) Bun.spawnSync(["unshare", "-fp", "--mount-proc", "chmod", mode, TARGET]);
  b.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!TARGET)("a /dev volume whose null is a symlink to a /proc file", () => {
  test("VOLUME /dev in the image: the container is refused and the kernel's mode of the file is unchanged", () => {
    expectRefused(["devlink"]);
  });

  test("-v NAME:/dev with a volume an earlier container filled: refused, mode unchanged", () => {
    b.ok(["run", "--rm", "-v", "devlink-vol:/data", "busybox", "ln", "-s", TARGET!, "/data/null"]);
    expectRefused(["-v", "devlink-vol:/dev", "busybox"]);
  });

  test("in a user namespace the host's /dev/null is not bound through the symlink either", () => {
    expectRefused([...USERNS, "devlink"]);
  });
});

describe("a /dev volume holding the real nodes", () => {
  test("starts again and again, with /dev/null the null device and the masks bound from it", () => {
    const script = `stat -c '%t:%T %F' /dev/null; for p in ${TARGET ?? "/proc/keys"} /proc/keys; do [ -e $p ] && wc -c < $p; done; echo 1 > /proc/sys/kernel/domainname; echo write=$?`;
    for (let i = 0; i < 2; i++) {
      const out = b.ok(["run", "--rm", "-v", "devreal-vol:/dev", "busybox", "sh", "-c", script]);
      expect(out).toMatch(/^1:3 character special file\n(0\n)+write=1\n$/);
    }
  });
});
