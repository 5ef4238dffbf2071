// The compiler on small hand-written profiles: argument operators on 64-bit
// values, how several rules and conditions combine, actions, and long programs.
import { describe, expect, test } from "bun:test";
import { BunkerError } from "../../../../src/lib/errors.ts";
import { compileProfile, type SeccompProfile } from "../../../../src/runtime/seccomp/index.ts";
import { AUDIT_ARCH_I386, EPERM_RET, errnoRet, Filter, SECCOMP_RET } from "./bpf-interp.ts";
import { NEW_KERNEL, nr } from "./fixtures.ts";

type Rule = SeccompProfile["syscalls"][number];
type Arg = NonNullable<Rule["args"]>[number];
const ALLOW = SECCOMP_RET.ALLOW;
const profile = (syscalls: Rule[], extra: Partial<SeccompProfile> = {}): SeccompProfile => ({ defaultAction: "SCMP_ACT_ERRNO", syscalls, ...extra });
const filter = (p: SeccompProfile, caps: string[] = []) => new Filter(compileProfile(p, caps, { kernel: NEW_KERNEL }));
const allow = (names: string[], args?: Arg[]): Rule => ({ names, action: "SCMP_ACT_ALLOW", args });

describe("argument comparisons (64-bit, unsigned, as libseccomp)", () => {
  const HI = 1n << 32n;
  const MAX = (1n << 64n) - 1n;
  // Values around both halves of each reference value.
  const samples = (v: bigint) => [0n, 1n, v - 1n, v, v + 1n, v ^ HI, v + HI, v - HI, 0xffffffffn, HI, HI - 1n, MAX, MAX - 1n, v & 0xffffffffn].filter((x) => x >= 0n && x <= MAX);
  const reference: Record<Arg["op"], (arg: bigint, a: bigint, b: bigint) => boolean> = {
    SCMP_CMP_EQ: (x, a) => x === a,
    SCMP_CMP_NE: (x, a) => x !== a,
    SCMP_CMP_LT: (x, a) => x < a,
    SCMP_CMP_LE: (x, a) => x <= a,
    SCMP_CMP_GT: (x, a) => x > a,
    SCMP_CMP_GE: (x, a) => x >= a,
    SCMP_CMP_MASKED_EQ: (x, mask, want) => (x & mask) === want,
  };
  const values = [0n, 5n, 0xffffffffn, HI + 5n, 3n * HI, 7n * HI + 0x80000000n, (1n << 53n) - 1n];

  for (const op of Object.keys(reference) as Arg["op"][]) {
    test(op, () => {
      for (const value of values) {
        const valueTwo = op === "SCMP_CMP_MASKED_EQ" ? value & 0x0000_0003_0000_0005n : undefined;
        for (const index of [0, 3, 5]) {
          const f = filter(profile([allow(["read"], [{ index, op, value: Number(value), valueTwo: valueTwo === undefined ? undefined : Number(valueTwo) }])]));
          for (const x of samples(value)) {
            const args = [0n, 0n, 0n, 0n, 0n, 0n];
            args[index] = x;
            const want = reference[op](x, value, valueTwo ?? 0n) ? ALLOW : EPERM_RET;
            expect(`${op} ${value} arg${index}=${x}: ${f.run({ nr: nr("read"), args })}`).toBe(`${op} ${value} arg${index}=${x}: ${want}`);
          }
        }
      }
    });
  }

  test("on i386 only the low half exists (the kernel zero-extends 32-bit arguments)", () => {
    const f = filter(profile([allow(["read"], [{ index: 0, op: "SCMP_CMP_GT", value: 10 }])], { archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86"] }] }));
    expect(f.run({ nr: 3, arch: AUDIT_ARCH_I386, args: [11] })).toBe(ALLOW);
    expect(f.run({ nr: 3, arch: AUDIT_ARCH_I386, args: [10] })).toBe(EPERM_RET);
    expect(f.run({ nr: 0, args: [1n << 32n] })).toBe(ALLOW);
  });
});

describe("combining rules", () => {
  test("conditions on different arguments are ANDed", () => {
    const f = filter(profile([allow(["write"], [{ index: 0, op: "SCMP_CMP_EQ", value: 1 }, { index: 2, op: "SCMP_CMP_LE", value: 100 }])]));
    expect(f.run({ nr: nr("write"), args: [1, 0, 100] })).toBe(ALLOW);
    expect(f.run({ nr: nr("write"), args: [1, 0, 101] })).toBe(EPERM_RET);
    expect(f.run({ nr: nr("write"), args: [2, 0, 1] })).toBe(EPERM_RET);
  });

  test("several conditions on one argument become separate rules (ORed), as runc does", () => {
    const f = filter(profile([allow(["write"], [{ index: 0, op: "SCMP_CMP_EQ", value: 1 }, { index: 0, op: "SCMP_CMP_EQ", value: 2 }])]));
    expect(f.run({ nr: nr("write"), args: [1] })).toBe(ALLOW);
    expect(f.run({ nr: nr("write"), args: [2] })).toBe(ALLOW);
    expect(f.run({ nr: nr("write"), args: [3] })).toBe(EPERM_RET);
  });

  test("rules for one syscall are tried in file order; the first match decides", () => {
    const f = filter(
      profile([
        { names: ["read"], action: "SCMP_ACT_ERRNO", errnoRet: 13, args: [{ index: 0, op: "SCMP_CMP_EQ", value: 7 }] },
        allow(["read"], [{ index: 0, op: "SCMP_CMP_LT", value: 10 }]),
        { names: ["read"], action: "SCMP_ACT_LOG" },
        allow(["read"]), // unreachable after the unconditional LOG
      ]),
    );
    expect(f.run({ nr: nr("read"), args: [7] })).toBe(errnoRet(13));
    expect(f.run({ nr: nr("read"), args: [3] })).toBe(ALLOW);
    expect(f.run({ nr: nr("read"), args: [30] })).toBe(SECCOMP_RET.LOG);
  });

  test("a rule whose action is the default one is dropped (libseccomp refuses it, runc skips it)", () => {
    const f = filter(profile([{ names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_EQ", value: 1 }] }, allow(["read"])]));
    expect(f.run({ nr: nr("read"), args: [1] })).toBe(ALLOW);
  });

  test("names that are not x86_64 syscalls are skipped", () => {
    const f = filter(profile([allow(["socketcall", "no_such_call", "toString", "__proto__", "read"])]));
    expect(f.run({ nr: nr("read") })).toBe(ALLOW);
    expect(f.run({ nr: 102 })).toBe(EPERM_RET);
  });

  test("without an archMap entry for x86, i386 callers get the default action", () => {
    const f = filter(profile([allow(["read", "write"])]));
    expect(f.run({ nr: 3, arch: AUDIT_ARCH_I386 })).toBe(EPERM_RET);
    expect(f.run({ nr: 0 })).toBe(ALLOW);
    const legacy = filter(profile([allow(["read"])], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] }));
    expect(legacy.run({ nr: 3, arch: AUDIT_ARCH_I386 })).toBe(ALLOW);
  });

  test("includes/excludes: all included caps needed, any excluded cap drops the rule, arches against amd64", () => {
    const p = profile([
      { names: ["read"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_A", "CAP_B"] } },
      { names: ["write"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_A", "CAP_C"] } },
      { names: ["close"], action: "SCMP_ACT_ALLOW", includes: { arches: ["arm64", "amd64"] } },
      { names: ["dup"], action: "SCMP_ACT_ALLOW", includes: { arches: ["s390x"] } },
      { names: ["dup2"], action: "SCMP_ACT_ALLOW", excludes: { arches: ["x86_64"] } },
      { names: ["pipe"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "7.0" } },
      { names: ["pipe2"], action: "SCMP_ACT_ALLOW", excludes: { minKernel: "5.10" } },
    ]);
    const outcomes = (caps: string[]) => ["read", "write", "close", "dup", "dup2", "pipe", "pipe2"].map((n) => filter(p, caps).run({ nr: nr(n) }) === ALLOW);
    expect(outcomes(["CAP_A"])).toEqual([false, false, true, false, false, false, false]);
    expect(outcomes(["CAP_A", "CAP_B"])).toEqual([true, false, true, false, false, false, false]);
    expect(outcomes(["CAP_B"])).toEqual([false, true, true, false, false, false, false]);
  });
});

describe("actions", () => {
  const one = (rule: Partial<Rule>, extra: Partial<SeccompProfile> = {}) => filter(profile([{ names: ["read"], action: "SCMP_ACT_ALLOW", ...rule }], extra)).run({ nr: nr("read") });

  test.each([
    ["SCMP_ACT_KILL", 0],
    ["SCMP_ACT_KILL_THREAD", 0],
    ["SCMP_ACT_KILL_PROCESS", 0x80000000],
    ["SCMP_ACT_TRAP", 0x00030000],
    ["SCMP_ACT_TRACE", 0x7ff00001],
    ["SCMP_ACT_LOG", 0x7ffc0000],
    ["SCMP_ACT_ALLOW", 0x7fff0000],
    ["SCMP_ACT_ERRNO", 0x00050001],
  ] as const)("%s", (action, value) => {
    expect(one({ action }, { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 99 })).toBe(value);
  });

  test("errnoRet on a rule; defaultErrnoRet only for the default action (runc)", () => {
    expect(one({ action: "SCMP_ACT_ERRNO", errnoRet: 38 })).toBe(errnoRet(38));
    expect(one({ action: "SCMP_ACT_TRACE", errnoRet: 5 })).toBe(0x7ff00005);
    const f = filter(profile([], { defaultErrnoRet: 38 }));
    expect(f.run({ nr: 0 })).toBe(errnoRet(38));
  });

  test("other default actions apply to unknown syscalls, foreign arches and x32", () => {
    const f = filter(profile([allow(["read"])], { defaultAction: "SCMP_ACT_KILL_PROCESS" }));
    expect(f.run({ nr: 1 })).toBe(0x80000000);
    expect(f.run({ nr: 0, arch: 0xc00000b7 })).toBe(0x80000000);
    expect(f.run({ nr: 0x40000000 })).toBe(0x80000000);
  });

  test("an empty allow-all profile", () => {
    const f = filter(profile([], { defaultAction: "SCMP_ACT_ALLOW" }));
    expect(f.run({ nr: 0 })).toBe(ALLOW);
    expect(f.insns.length).toBeLessThan(8);
  });

  test("SCMP_ACT_NOTIFY is refused in one line", () => {
    expect(() => one({ action: "SCMP_ACT_NOTIFY" })).toThrow(BunkerError);
  });
});

describe("long programs", () => {
  test("jumps further than 255 instructions go through trampolines", () => {
    // 400 conditional rules on one syscall, then syscalls after it: ~1600 instructions.
    const values = Array.from({ length: 400 }, (_, i) => i * 3);
    const p = profile([...values.map((value) => allow(["personality"], [{ index: 0, op: "SCMP_CMP_EQ", value }])), allow(["read", "write", "listns"])]);
    const f = filter(p);
    expect(f.insns.length).toBeGreaterThan(1500);
    expect(f.insns.length).toBeLessThan(4096);
    for (const v of [0, 3, 600, 1197]) expect(f.run({ nr: nr("personality"), args: [v] })).toBe(ALLOW);
    for (const v of [1, 1198, 1200]) expect(f.run({ nr: nr("personality"), args: [v] })).toBe(EPERM_RET);
    for (const n of ["read", "write", "listns"]) expect(f.run({ nr: nr(n) })).toBe(ALLOW);
    expect(f.run({ nr: nr("close") })).toBe(EPERM_RET);
  });

  test("a profile over the kernel's 4096-instruction limit is refused", () => {
    const p = profile(Array.from({ length: 1100 }, (_, value) => allow(["personality"], [{ index: 0, op: "SCMP_CMP_EQ", value }])));
    expect(() => filter(p)).toThrow(/over the kernel's limit of 4096/);
  });
});
