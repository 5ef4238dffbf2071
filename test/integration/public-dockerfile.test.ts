// A public project's Dockerfile, built unchanged: charliecloud's examples/copy
// (from Debian's charliecloud-doc), which exercises docker's COPY semantics
// (files, directories, wildcards, symlinks to files and directories on the
// destination side) in 79 steps. Its own test.bats holds the tree docker
// builds; bunker's image must match it line for line.
//
// The Dockerfile starts FROM 00_tiny, charliecloud's Alpine base, and runs
// `apk add findutils` for GNU find. No Alpine can be had here, so 00_tiny is
// made from the Debian image, which has GNU find already, with an `apk` that
// has nothing left to do. The Dockerfile itself is as charliecloud ships it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianPackageFiles } from "../fixtures/debian-package.ts";
import { Bunker, REPO } from "./harness.ts";

let b: Bunker;
let pkg: string;
let base: string;
let example: string;

beforeAll(() => {
  b = new Bunker();
  pkg = debianPackageFiles("charliecloud-doc");
  example = join(pkg, "usr/share/doc/charliecloud/examples/copy");
  const tar = Bun.spawnSync(["bash", "-c", `source ${join(REPO, "scripts/lib.sh")} && debian_tar`]);
  if (tar.exitCode !== 0) throw new Error(`debian_tar failed: ${tar.stderr}`);
  b.ok(["import", tar.stdout.toString().trim(), "debian-base"]);
  base = mkdtempSync(join(tmpdir(), "bunker-00tiny-"));
  writeFileSync(join(base, "Dockerfile"), 'FROM debian-base\nRUN printf "#!/bin/sh\\nexit 0\\n" > /usr/local/bin/apk && chmod +x /usr/local/bin/apk\n');
  b.ok(["build", "-q", "-t", "00_tiny", base]);
}, 300_000);
afterAll(() => {
  b.cleanup();
  rmSync(pkg, { recursive: true, force: true });
  rmSync(base, { recursive: true, force: true });
});

/** The expected output test.bats gives after a command (its `<<EOF` block following `marker`). */
function expected(marker: string): string {
  const lines = readFileSync(join(example, "test.bats"), "utf8").split("\n");
  const start = lines.findIndex((l) => l.includes(marker));
  const from = lines.findIndex((l, i) => i >= start && l.includes("<<EOF")) + 1;
  const to = lines.findIndex((l, i) => i >= from && l === "EOF");
  return `${lines.slice(from, to).join("\n")}\n`;
}

test("charliecloud's COPY example builds unchanged, and its tree, contents and links are the ones docker makes", () => {
  const build = b.run(["build", "-q", "-t", "copy-example", example]);
  expect([build.exitCode, build.stderr]).toEqual([0, ""]);
  const inTest = (cmd: string) => b.ok(["run", "--rm", "-w", "/test", "copy-example", "sh", "-c", cmd]);
  expect(inTest("ls -1FR .")).toBe(expected("ls -1FR"));
  expect(inTest("find . -type f -printf '%y: %p: ' -a -exec cat {} \\; | sort")).toBe(expected("-type f"));
  expect(inTest("find . -type l -printf '%y: %p -> %l\\n' | sort")).toBe(expected("-type l"));
});
