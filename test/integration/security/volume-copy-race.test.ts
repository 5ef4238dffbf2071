// Item 2 of issue 15: the copy-up of image content into an empty volume races
// with a running container that shares the volume. Container A waits for the
// copy to create /data/dir, then swaps it for a symlink to a host directory;
// a copy that writes by path then makes the rest of the tree (setuid-root file
// included) on the host. Writes through directory fds stay inside the volume.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chownSync, chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mknod, S_IFIFO } from "../../../ffi/fsx.ts";
import { Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

const FILES = 2000;
const SUBDIRS = 10;

let b: Bunker;
let work: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  // busybox plus /data/dir: many files (the copy takes a while), then subdirectories (sorted after the files),
  // a setuid-root file, a setgid directory, a file owned by someone else, a hard link, a symlink and a fifo.
  work = mkdtempSync("/var/tmp/bunker-copyup-");
  const rootfs = join(work, "rootfs");
  mkdirSync(rootfs);
  expect(Bun.spawnSync(["tar", "-xf", busyboxTar(), "-C", rootfs]).exitCode).toBe(0);
  const dir = join(rootfs, "data/dir");
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `f${f}`), `${f}\n`);
  for (let d = 0; d < SUBDIRS; d++) {
    mkdirSync(join(dir, `sub${d}`));
    writeFileSync(join(dir, `sub${d}`, "file"), `sub${d}\n`);
  }
  writeFileSync(join(dir, "suid"), "#!/bin/sh\n");
  chmodSync(join(dir, "suid"), 0o4755);
  writeFileSync(join(rootfs, "data/owned"), "owned\n");
  chownSync(join(rootfs, "data/owned"), 1234, 5678);
  chmodSync(join(rootfs, "data/owned"), 0o640);
  mkdirSync(join(rootfs, "data/sgid"));
  chownSync(join(rootfs, "data/sgid"), 0, 5678);
  chmodSync(join(rootfs, "data/sgid"), 0o2770);
  linkSync(join(rootfs, "data/owned"), join(rootfs, "data/hardlink"));
  symlinkSync("dir/suid", join(rootfs, "data/link"));
  mknod(join(rootfs, "data/fifo"), S_IFIFO);
  chmodSync(join(rootfs, "data/fifo"), 0o620);
  const tar = join(work, "image.tar");
  expect(Bun.spawnSync(["tar", "--numeric-owner", "-cf", tar, "-C", rootfs, "."]).exitCode).toBe(0);
  b.ok(["import", tar, "copyup"]);
});
afterAll(() => {
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test("a container sharing the volume cannot redirect the copy-up to a host directory", async () => {
  const victim = mkdtempSync("/var/tmp/bunker-victim-");
  try {
    // A round plays the swap while the copy runs; A may be scheduled too late (the copy is done), so a few rounds
    // are played until one lands half-way. Before the fix the first round filled the host directory.
    let landed = false;
    for (let round = 0; round < 5 && !landed; round++) {
      // A (busybox has no /data: the volume stays empty) waits for the copy to make /data/dir, then swaps it.
      const swap = `mv /data/dir /data/moved && ln -s ${victim} /data/dir && echo swapped`;
      b.ok(["run", "-d", "--name", `racer${round}`, "-v", `shared${round}:/data`, "busybox", "sh", "-c", `echo ready; until [ -d /data/dir ]; do :; done; ${swap}`]);
      await b.logsUntil(`racer${round}`, "ready");
      const r = b.run(["create", "-v", `shared${round}:/data`, "copyup", "true"]);
      await b.logsUntil(`racer${round}`, "swapped");
      expect(readdirSync(victim)).toEqual([]); // nothing reached the host
      if (r.exitCode !== 0) {
        // The copy met the symlink half-way: it stops there, with one line.
        expectOneLineError(r, 125, new RegExp(`volume shared${round} changed while the image's content was copied into it`));
        landed = true;
      }
      b.ok(["rm", "-f", `racer${round}`]);
      if (r.exitCode === 0) b.ok(["rm", "-f", r.stdout.trim()]);
      b.ok(["volume", "rm", `shared${round}`]);
    }
    expect(landed).toBe(true);
  } finally {
    rmSync(victim, { recursive: true, force: true });
  }
});

test("an empty volume still starts with the image's files, modes, owners, links and fifos", () => {
  const id = b.ok(["create", "-v", "fresh:/data", "copyup", "true"]).trim();
  const data = join(b.root, "volumes/fresh/_data");
  const st = (p: string) => lstatSync(join(data, p));
  expect(readdirSync(data).sort()).toEqual(["dir", "fifo", "hardlink", "link", "owned", "sgid"]);
  expect(readdirSync(join(data, "dir")).length).toBe(FILES + SUBDIRS + 1);
  expect(readFileSync(join(data, `dir/f${FILES - 1}`), "utf8")).toBe(`${FILES - 1}\n`);
  expect(readFileSync(join(data, `dir/sub${SUBDIRS - 1}/file`), "utf8")).toBe(`sub${SUBDIRS - 1}\n`);
  expect([st("dir/suid").mode & 0o7777, st("dir/suid").uid]).toEqual([0o4755, 0]);
  expect([st("owned").mode & 0o7777, st("owned").uid, st("owned").gid]).toEqual([0o640, 1234, 5678]);
  expect([st("sgid").isDirectory(), st("sgid").mode & 0o7777, st("sgid").gid]).toEqual([true, 0o2770, 5678]);
  expect(st("hardlink").ino).toBe(st("owned").ino);
  expect(readlinkSync(join(data, "link"))).toBe("dir/suid");
  expect([st("fifo").isFIFO(), st("fifo").mode & 0o7777]).toEqual([true, 0o620]);
  b.ok(["rm", id]);
  b.ok(["volume", "rm", "fresh"]);
});
