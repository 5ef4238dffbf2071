// The v2 device filter, run in a small eBPF interpreter over Docker's default
// rules: what v1's devices.allow/deny would allow, the program must allow.
import { describe, expect, test } from "bun:test";
import { DEVICE_RULES } from "../../../src/engine/runtime-spec.ts";
import { ACC_MKNOD as M, ACC_READ as R, ACC_WRITE as W, allowsAllDevices, deviceFilter, encodeInsns } from "../../../src/runtime/device-filter.ts";
import type { DeviceRule } from "../../../src/runtime/spec.ts";
import { runDeviceProgram } from "./ebpf-interp.ts";

const C = 2;
const B = 1;

function allowed(rules: DeviceRule[], type: number, major: number, minor: number, access: number): boolean {
  const verdict = runDeviceProgram(encodeInsns(deviceFilter(rules)), { type, major, minor, access });
  expect([0, 1]).toContain(verdict);
  return verdict === 1;
}
const docker = (type: number, major: number, minor: number, access: number) => allowed(DEVICE_RULES, type, major, minor, access);

describe("Docker's default device rules", () => {
  test("the default nodes open read-write: null, zero, full, random, urandom, tty, console, ptmx, tun, ptys", () => {
    for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [10, 200], [136, 0], [136, 77]]) {
      expect(docker(C, major, minor, R | W)).toBe(true);
      expect(docker(C, major, minor, R)).toBe(true);
      expect(docker(C, major, minor, W)).toBe(true);
    }
  });

  test("other devices are refused: /dev/mem 1:1, /dev/kmsg 1:11, fuse 10:229, a disk 8:0, the same numbers as a block device", () => {
    expect(docker(C, 1, 1, R)).toBe(false);
    expect(docker(C, 1, 1, W)).toBe(false);
    expect(docker(C, 1, 11, R)).toBe(false);
    expect(docker(C, 10, 229, R | W)).toBe(false);
    expect(docker(B, 8, 0, R)).toBe(false);
    expect(docker(B, 1, 3, R)).toBe(false); // /dev/null's numbers, but a block device
    expect(docker(C, 137, 0, R)).toBe(false); // just past the ptys
  });

  test('mknod of any char or block device is allowed ("c *:* m", "b *:* m"), opening it is not', () => {
    expect(docker(C, 1, 1, M)).toBe(true);
    expect(docker(C, 10, 229, M)).toBe(true); // the earlier fuse deny is overridden by the later mknod allow, as on v1
    expect(docker(B, 8, 0, M)).toBe(true);
    expect(docker(C, 1, 1, M | R)).toBe(false); // no one rule grants both
  });

  test("--device /dev/x:/dev/x:r adds read, not write", () => {
    const rules = [...DEVICE_RULES, { allow: true, type: "c" as const, major: 10, minor: 237, access: "r" }];
    expect(allowed(rules, C, 10, 237, R)).toBe(true);
    expect(allowed(rules, C, 10, 237, W)).toBe(false);
    expect(allowed(rules, C, 10, 237, R | W)).toBe(false);
    expect(allowed(rules, C, 10, 237, M)).toBe(true);
  });
});

describe("rule semantics", () => {
  test("no rules: everything denied; one allow-all: everything allowed", () => {
    expect(allowed([], C, 1, 3, R)).toBe(false);
    const all: DeviceRule[] = [{ allow: true, access: "rwm" }];
    expect(allowed(all, C, 1, 1, R | W)).toBe(true);
    expect(allowed(all, B, 8, 0, M)).toBe(true);
  });

  test("a later deny overrides an earlier allow, for the access bits it names", () => {
    const rules: DeviceRule[] = [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 3, access: "w" }];
    expect(allowed(rules, C, 1, 3, R)).toBe(true);
    expect(allowed(rules, C, 1, 3, W)).toBe(false);
    expect(allowed(rules, C, 1, 3, R | W)).toBe(false);
  });

  test("a later allow-all overrides earlier denies; a wildcard type matches char and block", () => {
    const rules: DeviceRule[] = [{ allow: false, type: "c", major: 1, minor: 1, access: "rwm" }, { allow: true, access: "rwm" }];
    expect(allowed(rules, C, 1, 1, R)).toBe(true);
    expect(allowed([{ allow: true, type: "a", access: "r" }], B, 8, 0, R)).toBe(true);
    expect(allowed([{ allow: true, type: "a", access: "r" }], C, 8, 0, W)).toBe(false);
  });

  test("a negative major or minor is a wildcard, as absent ones are", () => {
    expect(allowed([{ allow: true, type: "c", major: 4, minor: -1, access: "rw" }], C, 4, 12, R)).toBe(true);
    expect(allowed([{ allow: true, type: "c", major: 4, minor: -1, access: "rw" }], C, 5, 12, R)).toBe(false);
  });

  test("allowsAllDevices: only when the last all-devices rule allows rwm and no deny follows", () => {
    expect(allowsAllDevices([{ allow: true, access: "rwm" }])).toBe(true);
    expect(allowsAllDevices([{ allow: true }])).toBe(true);
    expect(allowsAllDevices([])).toBe(true);
    expect(allowsAllDevices(DEVICE_RULES)).toBe(false);
    expect(allowsAllDevices([{ allow: true, access: "rw" }])).toBe(false);
    expect(allowsAllDevices([{ allow: true, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 1 }])).toBe(false);
    expect(allowsAllDevices([{ allow: true, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 1 }])).toBe(true);
    expect(allowsAllDevices([{ allow: true, type: "c", major: 1, minor: 1 }])).toBe(false);
  });
});

describe("encoding", () => {
  test("struct bpf_insn: code, dst in the low nibble, src in the high, little-endian off and imm", () => {
    const bytes = encodeInsns(deviceFilter(DEVICE_RULES));
    expect([...bytes.subarray(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]); // r2 = *(u32 *)(r1 + 0)
    expect([...bytes.subarray(8, 16)]).toEqual([0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0]); // r2 &= 0xffff
    expect([...bytes.subarray(bytes.length - 8)]).toEqual([0x95, 0, 0, 0, 0, 0, 0, 0]); // exit
    expect(bytes.length / 8).toBeLessThan(200);
  });

  test("rules after the first all-devices rule (from the end) are not emitted: they could never decide", () => {
    const short = deviceFilter([{ allow: false, access: "rwm" }]);
    const long = deviceFilter([{ allow: true, type: "c", major: 1, minor: 3 }, { allow: false, access: "rwm" }]);
    expect(long.length).toBe(short.length);
  });
});
