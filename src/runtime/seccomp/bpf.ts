// A tiny classic-BPF assembler for seccomp filters.
//
// Classic BPF only jumps forward, and a conditional jump reaches at most 255
// instructions. So the program is built back to front: whatever an instruction
// jumps to already exists, its distance is known, and a target out of reach gets a
// trampoline (an unconditional JA, whose offset is 32 bits) placed right after the
// jump. A jump to a return is cheaper still: a fresh one-instruction RET is placed
// instead of a trampoline.

// Opcodes (linux/bpf_common.h).
export const BPF = {
  LD_W_ABS: 0x20, // A = *(u32 *)(seccomp_data + k)
  ALU_AND_K: 0x54, // A &= k
  JA: 0x05, // pc += k
  JEQ_K: 0x15, // pc += (A == k) ? jt : jf
  JGT_K: 0x25, // unsigned A > k
  JGE_K: 0x35, // unsigned A >= k
  JSET_K: 0x45, // A & k
  RET_K: 0x06, // return k
} as const;

export type JumpOp = typeof BPF.JEQ_K | typeof BPF.JGT_K | typeof BPF.JGE_K | typeof BPF.JSET_K;

/** The kernel refuses longer filters (BPF_MAXINSNS). */
export const MAX_INSTRUCTIONS = 4096;

export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Where control can go: an instruction already emitted, or "return this value". */
export type Target = { at: number } | { ret: number };

const MAX_JUMP = 255;

export class ProgramBuilder {
  // Back to front: reversed[0] is the program's last instruction, and an
  // instruction's label is its index here (its distance from the end).
  private readonly reversed: Instruction[] = [];
  // The nearest RET of each value, reused while it is within reach.
  private readonly nearestRet = new Map<number, number>();

  /** Places an instruction before everything emitted so far; returns it as a target. */
  private place(insn: Instruction): { at: number } {
    this.reversed.push(insn);
    return { at: this.reversed.length - 1 };
  }

  ret(value: number): { at: number } {
    const label = this.place({ code: BPF.RET_K, jt: 0, jf: 0, k: value >>> 0 });
    this.nearestRet.set(value >>> 0, label.at);
    return label;
  }

  load(offset: number): { at: number } {
    return this.place({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset });
  }

  and(mask: number): { at: number } {
    return this.place({ code: BPF.ALU_AND_K, jt: 0, jf: 0, k: mask >>> 0 });
  }

  /** `if (A op k) goto t else goto f`, with trampolines for far targets. */
  jump(op: JumpOp, k: number, t: Target, f: Target): { at: number } {
    // Each target may add one instruction before the jump lands, so both must stay
    // reachable after up to two insertions.
    const tAt = this.reachable(t, MAX_JUMP - 2);
    const fAt = this.reachable(f, MAX_JUMP - 1);
    const next = this.reversed.length - 1; // the label of the instruction after the jump
    return this.place({ code: op, jt: next - tAt, jf: next - fAt, k: k >>> 0 });
  }

  /** The label of an instruction that leads to the target, within `limit` of the next one placed. */
  private reachable(target: Target, limit: number): number {
    const next = this.reversed.length - 1;
    if ("ret" in target) {
      const at = this.nearestRet.get(target.ret >>> 0);
      return at !== undefined && next - at <= limit ? at : this.ret(target.ret).at;
    }
    if (next - target.at <= limit) return target.at;
    const trampoline = this.place({ code: BPF.JA, jt: 0, jf: 0, k: next - target.at });
    return trampoline.at;
  }

  get length(): number {
    return this.reversed.length;
  }

  /** struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, little-endian. */
  encode(): Uint8Array {
    const out = new Uint8Array(this.reversed.length * 8);
    const view = new DataView(out.buffer);
    this.reversed.toReversed().forEach((insn, i) => {
      view.setUint16(i * 8, insn.code, true);
      view.setUint8(i * 8 + 2, insn.jt);
      view.setUint8(i * 8 + 3, insn.jf);
      view.setUint32(i * 8 + 4, insn.k, true);
    });
    return out;
  }
}

/** Decodes struct sock_filter[] bytes (for tests and debugging). */
export function decode(bytes: Uint8Array): Instruction[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 8 }, (_, i) => ({
    code: view.getUint16(i * 8, true),
    jt: view.getUint8(i * 8 + 2),
    jf: view.getUint8(i * 8 + 3),
    k: view.getUint32(i * 8 + 4, true),
  }));
}
