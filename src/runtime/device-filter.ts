// The device cgroup on cgroup v2: there are no devices.allow/deny files, only
// an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the cgroup, which
// the kernel runs on every open/mknod of a device node and which returns 1 to
// allow, 0 to deny. This builds that program from the same rule list the v1
// backend writes, following the structure of runc's devicefilter.go.
import type { DeviceRule } from "./spec.ts";

// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }: access_type is (access << 16) | type.
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;

// The eBPF opcodes emitted (class | op | source); the test interpreter knows exactly these.
export const BPF = {
  LDXW: 0x61, // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
  AND32K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  JEQK: 0x15, // BPF_JMP | BPF_JEQ | BPF_K: if (dst == imm) pc += off
  JNEK: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT: return r0
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** r, w and m as the kernel's access bits. */
export function accessBits(access = "rwm"): number {
  let bits = 0;
  if (access.includes("r")) bits |= ACC_READ;
  if (access.includes("w")) bits |= ACC_WRITE;
  if (access.includes("m")) bits |= ACC_MKNOD;
  return bits;
}

/**
 * Whether the rules leave every device allowed (docker's --privileged: one
 * "a *:* rwm" allow). Then no program is needed, as on v1 no rule is refused:
 * the last all-devices rule must allow, and no deny may follow it.
 */
export function allowsAllDevices(rules: DeviceRule[]): boolean {
  const last = rules.findLastIndex((r) => (r.type ?? "a") === "a");
  if (last < 0) return rules.length === 0;
  return rules[last].allow && accessBits(rules[last].access) === 7 && rules.slice(last + 1).every((r) => r.allow);
}

/**
 * The program for a rule list in which a later rule overrides an earlier one
 * (as devices.allow/deny writes do on v1). Rules are emitted last first, each
 * returning its verdict when it matches, so the last matching rule decides;
 * nothing matching is a deny. An allow matches when it grants every requested
 * access bit, (access & ~rule) == 0, as v1's exceptions do; a deny matches
 * when it names any requested bit, so a partial deny never lets access through.
 */
export function deviceFilter(rules: DeviceRule[]): Insn[] {
  const prog: Insn[] = [
    // r1 holds the context pointer; everything is loaded first so rules can use r1 as scratch.
    insn(BPF.LDXW, 2, 1, 0), // r2 = access_type
    insn(BPF.AND32K, 2, 0, 0, 0xffff), // r2 = device type
    insn(BPF.LDXW, 3, 1, 0), // r3 = access_type
    insn(BPF.RSH32K, 3, 0, 0, 16), // r3 = requested access
    insn(BPF.LDXW, 4, 1, 4), // r4 = major
    insn(BPF.LDXW, 5, 1, 8), // r5 = minor
  ];
  for (let i = rules.length - 1; i >= 0; i--) {
    const block = ruleBlock(rules[i]);
    prog.push(...block);
    // An all-devices rule of full access matches everything: earlier rules would be dead code.
    if (block.length === 2) return prog;
  }
  prog.push(insn(BPF.MOV32K, 0, 0, 0, 0), insn(BPF.EXIT, 0));
  return prog;
}

/** One rule's checks; each failed check jumps past the block (offsets count from the next instruction). */
function ruleBlock(rule: DeviceRule): Insn[] {
  const checks: Omit<Insn, "off">[] = [];
  const type = rule.type ?? "a";
  if (type !== "a") checks.push({ code: BPF.JNEK, dst: 2, src: 0, imm: type === "b" ? DEV_BLOCK : DEV_CHAR });
  const bits = accessBits(rule.access);
  if (bits !== 7) {
    checks.push({ code: BPF.MOV32X, dst: 1, src: 3, imm: 0 });
    // allow: skip unless no requested bit lies outside the rule's; deny: skip unless some requested bit lies inside.
    checks.push({ code: BPF.AND32K, dst: 1, src: 0, imm: rule.allow ? ~bits : bits });
    checks.push({ code: rule.allow ? BPF.JNEK : BPF.JEQK, dst: 1, src: 0, imm: 0 });
  }
  // Wildcard major/minor: absent in the spec (the v1 writer's "*"), or negative.
  if (type !== "a" && rule.major !== undefined && rule.major >= 0) checks.push({ code: BPF.JNEK, dst: 4, src: 0, imm: rule.major });
  if (type !== "a" && rule.minor !== undefined && rule.minor >= 0) checks.push({ code: BPF.JNEK, dst: 5, src: 0, imm: rule.minor });
  const total = checks.length + 2;
  const block = checks.map((c, i) => ({ ...c, off: c.code === BPF.MOV32X || c.code === BPF.AND32K ? 0 : total - i - 1 }));
  block.push(insn(BPF.MOV32K, 0, 0, 0, rule.allow ? 1 : 0), insn(BPF.EXIT, 0));
  return block;
}

/** struct bpf_insn[] as the kernel takes it: u8 code, u8 dst:4|src:4 (little-endian), s16 off, s32 imm. */
export function encodeInsns(prog: Insn[]): Uint8Array {
  const out = new Uint8Array(prog.length * 8);
  const view = new DataView(out.buffer);
  prog.forEach((p, i) => {
    view.setUint8(i * 8, p.code);
    view.setUint8(i * 8 + 1, (p.src << 4) | p.dst);
    view.setInt16(i * 8 + 2, p.off, true);
    view.setInt32(i * 8 + 4, p.imm, true);
  });
  return out;
}
