import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mknod } from "../../../ffi/fsx.ts";
import { copyImageDir, findImageDir } from "../../../src/engine/volume-copy.ts";

const tmp = mkdtempSync("/var/tmp/bunker-volcopy-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two layers (top first): the upper one deletes lower/etc/gone with a whiteout and adds a file. */
function layers(): string[] {
  const top = join(tmp, `top-${Math.random()}`);
  const bottom = join(tmp, `bottom-${Math.random()}`);
  mkdirSync(join(bottom, "etc/sub"), { recursive: true });
  writeFileSync(join(bottom, "etc/passwd"), "root\n", { mode: 0o640 });
  writeFileSync(join(bottom, "etc/gone"), "x");
  writeFileSync(join(bottom, "etc/sub/deep"), "deep\n");
  symlinkSync("/etc", join(bottom, "link")); // absolute: must resolve inside the image
  symlinkSync("../../../../../../etc", join(bottom, "escape")); // ".." above the root stays at the root
  mkdirSync(join(top, "etc"), { recursive: true });
  writeFileSync(join(top, "etc/new"), "new\n");
  mknod(join(top, "etc/gone"), 0o20000, 0n); // whiteout: a 0:0 character device
  return [top, bottom];
}

test("the merged directory wins top-down and whiteouts hide lower entries", () => {
  const dest = join(tmp, `dest-${Math.random()}`);
  mkdirSync(dest);
  copyImageDir(findImageDir(layers(), "/etc")!, dest);
  expect(readdirSync(dest).sort()).toEqual(["new", "passwd", "sub"]);
  expect(readFileSync(join(dest, "sub/deep"), "utf8")).toBe("deep\n");
  expect(statSync(join(dest, "passwd")).mode & 0o777).toBe(0o640);
});

test("symlinks on the way resolve inside the image, never on the host", () => {
  const l = layers();
  expect(findImageDir(l, "/link")?.path).toBe(join(l[0], "etc"));
  expect(findImageDir(l, "/escape")?.path).toBe(join(l[0], "etc"));
  expect(findImageDir(l, "/escape/sub")?.path).toBe(join(l[1], "etc/sub"));
  expect(findImageDir(l, "/etc/gone")).toBeNull();
  expect(findImageDir(l, "/etc/passwd")).toBeNull(); // a file: nothing to copy into a volume directory
  expect(findImageDir(l, "/missing")).toBeNull();
  expect(readlinkSync(join(l[1], "link"))).toBe("/etc");
});
