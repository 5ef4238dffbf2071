// seccompProgramFile: one compile per profile and capability set, then a stat.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileProfile, defaultProfile, seccompProgramFile } from "../../../../src/runtime/seccomp/index.ts";
import { DOCKER_CAPS } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "bunker-seccomp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

test("writes the compiled program once, under a name derived from profile and capabilities", () => {
  const dir = join(root, "cache", "seccomp"); // created on demand
  const path = seccompProgramFile(dir, defaultProfile(), DOCKER_CAPS);
  expect(path).toMatch(/\/seccomp-[0-9a-f]{64}\.bpf$/);
  expect(readFileSync(path).equals(compileProfile(defaultProfile(), DOCKER_CAPS))).toBe(true);
  expect(readdirSync(dir)).toEqual([path.split("/").at(-1)!]); // no temp file left behind

  // A later call returns the existing file without compiling or writing again.
  const marker = new Uint8Array(8).fill(7);
  writeFileSync(path, marker);
  const { mtimeMs } = statSync(path);
  expect(seccompProgramFile(dir, defaultProfile(), [...DOCKER_CAPS].reverse())).toBe(path);
  expect(new Uint8Array(readFileSync(path))).toEqual(marker);
  expect(statSync(path).mtimeMs).toBe(mtimeMs);
});

test("other capabilities or another profile get another file; a damaged file is rewritten", () => {
  const dir = join(root, "other");
  const base = seccompProgramFile(dir, defaultProfile(), DOCKER_CAPS);
  const admin = seccompProgramFile(dir, defaultProfile(), [...DOCKER_CAPS, "CAP_SYS_ADMIN"]);
  const custom = seccompProgramFile(dir, { defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }, DOCKER_CAPS);
  expect(new Set([base, admin, custom]).size).toBe(3);
  writeFileSync(base, "torn");
  expect(seccompProgramFile(dir, defaultProfile(), DOCKER_CAPS)).toBe(base);
  expect(readFileSync(base).byteLength % 8).toBe(0);
});
