// Differential check against libseccomp, the library runc compiles profiles with:
// the same rules are fed to libseccomp (through bun:ffi), its exported BPF and ours
// run in the interpreter, and every x86_64 syscall number (plus argument samples for
// the syscalls with argument rules) must get the same action from both. Skipped on
// machines without libseccomp.so.2.
import { dlopen, ptr } from "bun:ffi";
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileProfile, defaultProfile, type SeccompProfile } from "../../../../src/runtime/seccomp/index.ts";
import { applicableRules } from "../../../../src/runtime/seccomp/profile.ts";
import { X86_64_SYSCALLS } from "../../../../src/runtime/seccomp/syscalls-x86_64.ts";
import { Filter } from "./bpf-interp.ts";
import { ALL_CAPS, DOCKER_CAPS, NEW_KERNEL, nr } from "./fixtures.ts";

function openLibseccomp() {
  try {
    return dlopen("libseccomp.so.2", {
      seccomp_init: { args: ["u32"], returns: "ptr" },
      seccomp_attr_set: { args: ["ptr", "i32", "u32"], returns: "i32" },
      seccomp_rule_add_array: { args: ["ptr", "u32", "i32", "u32", "ptr"], returns: "i32" },
      seccomp_export_bpf: { args: ["ptr", "i32"], returns: "i32" },
      seccomp_release: { args: ["ptr"], returns: "void" },
    }).symbols;
  } catch {
    return undefined;
  }
}
const lib = openLibseccomp();

const SCMP_FLTATR_ACT_BADARCH = 2;
const CMP: Record<string, number> = { SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7 };
const ACTION: Record<string, (errno: number) => number> = { SCMP_ACT_ALLOW: () => 0x7fff0000, SCMP_ACT_ERRNO: (e) => 0x00050000 | e };

const dir = mkdtempSync(join(tmpdir(), "bunker-libseccomp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The profile compiled the way runc does it, by libseccomp, for native x86_64 only. */
function libseccompFilter(profile: SeccompProfile, caps: string[]): Filter {
  if (!lib) throw new Error("no libseccomp");
  const defaultAction = ACTION[profile.defaultAction](profile.defaultErrnoRet ?? 1);
  const ctx = lib.seccomp_init(defaultAction);
  if (!ctx) throw new Error("seccomp_init failed");
  try {
    expect(lib.seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, defaultAction)).toBe(0);
    for (const rule of applicableRules(profile, { capabilities: caps, kernel: NEW_KERNEL })) {
      const action = ACTION[rule.action](rule.errnoRet ?? 1);
      if (action === defaultAction) continue;
      const args = rule.args ?? [];
      const cmp = new DataView(new ArrayBuffer(Math.max(1, args.length) * 24)); // struct scmp_arg_cmp
      args.forEach((a, i) => {
        cmp.setUint32(i * 24, a.index, true);
        cmp.setUint32(i * 24 + 4, CMP[a.op], true);
        cmp.setBigUint64(i * 24 + 8, BigInt(a.value), true);
        cmp.setBigUint64(i * 24 + 16, BigInt(a.valueTwo ?? 0), true);
      });
      for (const name of rule.names) {
        if (!Object.hasOwn(X86_64_SYSCALLS, name)) continue;
        const rc = lib.seccomp_rule_add_array(ctx, action, X86_64_SYSCALLS[name], args.length, ptr(cmp));
        expect(`${name}: ${rc}`).toBe(`${name}: 0`);
      }
    }
    const file = join(dir, `${caps.length}-${Math.random()}.bpf`);
    const fd = openSync(file, "w");
    try {
      expect(lib.seccomp_export_bpf(ctx, fd)).toBe(0);
    } finally {
      closeSync(fd);
    }
    return new Filter(new Uint8Array(readFileSync(file)));
  } finally {
    lib.seccomp_release(ctx);
  }
}

// Values that sit on and around every argument constant of the default profile.
const ARG_SAMPLES = [0n, 1n, 2n, 8n, 11n, 12n, 13n, 17n, 18n, 19n, 20n, 21n, 23n, 25n, 34n, 37n, 38n, 40n, 45n, 46n, 0x20000n, 0x20008n, 0x20009n, 0x40000n,
  0x01200011n, 0x3d0f00n, 0x10000000n, 0x40000000n, 0x7e020000n, 0x80000000n, 0xfffffffen, 0xffffffffn, 1n << 32n, (1n << 32n) | 2n, (1n << 64n) - 1n];

describe.skipIf(!lib)("same decisions as libseccomp", () => {
  for (const [label, caps] of [["Docker's caps", DOCKER_CAPS], ["all caps", ALL_CAPS], ["no caps", []]] as const) {
    test(`default profile, ${label}`, () => {
      const theirs = libseccompFilter(defaultProfile(), [...caps]);
      const ours = new Filter(compileProfile(defaultProfile(), [...caps], { kernel: NEW_KERNEL }));
      const numbers = [...Array.from({ length: 560 }, (_, i) => i), 0x40000000, 0x40000001, 0x40000200, 0x7fffffff, -1, -100];
      const mismatches: string[] = [];
      for (const n of numbers) {
        const a = theirs.run({ nr: n });
        const b = ours.run({ nr: n });
        if (a !== b) mismatches.push(`nr ${n}: libseccomp ${a.toString(16)}, bunker ${b.toString(16)}`);
      }
      for (const name of ["socket", "personality", "clone"]) {
        for (const arg of ARG_SAMPLES) {
          const call = { nr: nr(name), args: [arg] };
          if (theirs.run(call) !== ours.run(call)) mismatches.push(`${name}(${arg}): libseccomp ${theirs.run(call).toString(16)}, bunker ${ours.run(call).toString(16)}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});
