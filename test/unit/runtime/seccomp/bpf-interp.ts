// A classic-BPF interpreter for seccomp filters, for tests: it runs a compiled
// program against a synthetic struct seccomp_data and returns what the kernel would
// act on. It checks what the kernel's loader checks (jumps inside the program,
// aligned loads inside seccomp_data, a RET at the end) and refuses anything else.
import { BPF, decode, type Instruction } from "../../../../src/runtime/seccomp/bpf.ts";

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

export const SECCOMP_RET = { ALLOW: 0x7fff0000, ERRNO: 0x00050000, KILL_THREAD: 0, KILL_PROCESS: 0x80000000, TRAP: 0x00030000, TRACE: 0x7ff00000, LOG: 0x7ffc0000 };
export const errnoRet = (errno: number) => (SECCOMP_RET.ERRNO | errno) >>> 0;
export const EPERM_RET = errnoRet(1);
export const ENOSYS_RET = errnoRet(38);

export interface SeccompData {
  nr: number;
  arch?: number;
  args?: (number | bigint)[];
}

const SECCOMP_DATA_SIZE = 64;

export class Filter {
  readonly insns: Instruction[];
  /** Instructions executed by the last run (for speed checks). */
  steps = 0;

  constructor(bytes: Uint8Array) {
    if (bytes.byteLength === 0 || bytes.byteLength % 8 !== 0) throw new Error(`filter is ${bytes.byteLength} bytes, not a sock_filter array`);
    this.insns = decode(bytes);
    this.validate();
  }

  private validate(): void {
    const n = this.insns.length;
    this.insns.forEach((insn, pc) => {
      switch (insn.code) {
        case BPF.LD_W_ABS:
          if (insn.k % 4 !== 0 || insn.k >= SECCOMP_DATA_SIZE) throw new Error(`pc ${pc}: load at ${insn.k}`);
          break;
        case BPF.JA:
          if (pc + 1 + insn.k >= n) throw new Error(`pc ${pc}: JA out of the program`);
          break;
        case BPF.JEQ_K:
        case BPF.JGT_K:
        case BPF.JGE_K:
        case BPF.JSET_K:
          if (pc + 1 + Math.max(insn.jt, insn.jf) >= n) throw new Error(`pc ${pc}: jump out of the program`);
          break;
        case BPF.ALU_AND_K:
        case BPF.RET_K:
          break;
        default:
          throw new Error(`pc ${pc}: unsupported opcode 0x${insn.code.toString(16)}`);
      }
    });
    if (this.insns[n - 1].code !== BPF.RET_K) throw new Error("the last instruction is not a RET");
  }

  /** The SECCOMP_RET_* value (unsigned) for one system call. */
  run({ nr, arch = AUDIT_ARCH_X86_64, args = [] }: SeccompData): number {
    const data = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
    data.setInt32(0, nr, true);
    data.setUint32(4, arch, true);
    args.forEach((a, i) => data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(a)), true));
    let acc = 0;
    this.steps = 0;
    for (let pc = 0; ; pc++) {
      const { code, jt, jf, k } = this.insns[pc];
      this.steps++;
      switch (code) {
        case BPF.LD_W_ABS:
          acc = data.getUint32(k, true);
          break;
        case BPF.ALU_AND_K:
          acc = (acc & k) >>> 0;
          break;
        case BPF.JA:
          pc += k;
          break;
        case BPF.JEQ_K:
          pc += acc === k ? jt : jf;
          break;
        case BPF.JGT_K:
          pc += acc > k ? jt : jf;
          break;
        case BPF.JGE_K:
          pc += acc >= k ? jt : jf;
          break;
        case BPF.JSET_K:
          pc += (acc & k) !== 0 ? jt : jf;
          break;
        case BPF.RET_K:
          return k >>> 0;
      }
    }
  }
}
