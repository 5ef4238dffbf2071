// --read-only and --device in the operation list (the rest of the program is in program.test.ts).
import { describe, expect, test } from "bun:test";
import { buildProgram, MS, OVERLAY_ANNOTATION } from "../../../src/runtime/program.ts";
import type { RuntimeSpec } from "../../../src/runtime/spec.ts";

function spec(readonly: boolean): RuntimeSpec {
  return {
    ociVersion: "1.0.2",
    process: { user: { uid: 0, gid: 0 }, args: ["sh"], env: ["PATH=/bin"], cwd: "/work" },
    root: { path: "/bundle/rootfs", readonly },
    annotations: { [OVERLAY_ANNOTATION]: "lowerdir=/l,upperdir=/u,workdir=/w" },
    mounts: [{ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid"] }],
    linux: {
      namespaces: [{ type: "mount" }],
      devices: [
        { path: "/dev/null", type: "c", major: 1, minor: 3, fileMode: 0o666 },
        { path: "/dev/sdx", type: "b", major: 8, minor: 0, fileMode: 0o660 },
        { path: "/dev/net/tun", type: "c", major: 10, minor: 200, fileMode: 0o600 },
      ],
    },
  };
}

const program = (readonly: boolean) => buildProgram(spec(readonly), [], { stdin: 0, stdout: 1, stderr: 2 }, () => false);
const REMOUNT_RO = ["mount", "", "/", "", String(MS.REMOUNT | MS.BIND | MS.RDONLY), ""];
const indexOfSeq = (words: string[], seq: string[]) => words.findIndex((_, i) => seq.every((w, j) => words[i + j] === w));

describe("--read-only", () => {
  const words = program(true);

  test("the overlay is mounted writable, so mount points and the workdir can still be made in it", () => {
    expect(indexOfSeq(words, ["mount", "overlay", "/bundle/rootfs", "overlay", "0"])).toBeGreaterThanOrEqual(0);
  });

  test("the root is bind-remounted read-only after the mounts, devices and workdir, before the user is set", () => {
    const at = indexOfSeq(words, REMOUNT_RO);
    expect(at).toBeGreaterThan(words.indexOf("pivot"));
    expect(at).toBeGreaterThan(words.lastIndexOf("rmount"));
    expect(at).toBeGreaterThan(words.lastIndexOf("mknod"));
    expect(at).toBeGreaterThan(Math.max(words.indexOf("workdir"), words.indexOf("mkdirp")));
    expect(at).toBeLessThan(words.indexOf("user"));
  });

  test("without --read-only there is no remount", () => {
    expect(indexOfSeq(program(false), REMOUNT_RO)).toBe(-1);
  });
});

test("a block device's mknod carries S_IFBLK in its mode (native.c adds S_IFCHR, which S_IFBLK contains)", () => {
  const words = program(false);
  expect(indexOfSeq(words, ["mknod", "/dev/null", String(0o666), "1", "3"])).toBeGreaterThanOrEqual(0);
  expect(indexOfSeq(words, ["mknod", "/dev/sdx", String(0o060660), "8", "0"])).toBeGreaterThanOrEqual(0);
});

test("a node below a subdirectory of /dev first gets its directory (the workdir op, confined to the root), then the real workdir follows", () => {
  const words = program(false);
  const made = indexOfSeq(words, ["workdir", "/dev/net", "mknod", "/dev/net/tun"]);
  expect(made).toBeGreaterThan(words.indexOf("pivot"));
  expect(indexOfSeq(words, ["workdir", "/work"])).toBeGreaterThan(made);
  expect(indexOfSeq(words, ["workdir", "/dev", "mknod"])).toBe(-1); // /dev itself exists
});
