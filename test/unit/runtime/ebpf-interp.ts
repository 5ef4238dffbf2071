// A tiny eBPF interpreter for the device filter's tests: exactly the opcodes
// device-filter.ts emits, run on a bpf_cgroup_dev_ctx. Anything else is an
// error, so a new opcode cannot slip past the tests unexamined. It runs the
// encoded bytes, so the encoding is tested along with the logic.
import { BPF } from "../../../src/runtime/device-filter.ts";

export interface DevCtx {
  type: number; // BPF_DEVCG_DEV_BLOCK 1, _CHAR 2
  access: number; // MKNOD 1, READ 2, WRITE 4
  major: number;
  minor: number;
}

const U32 = 0xffffffffn;

export function runDeviceProgram(code: Uint8Array, ctx: DevCtx): number {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const mem = new DataView(new ArrayBuffer(12));
  mem.setUint32(0, ((ctx.access << 16) | ctx.type) >>> 0, true);
  mem.setUint32(4, ctx.major, true);
  mem.setUint32(8, ctx.minor, true);
  const CTX = 0x1000n; // r1's "address" of the context
  const r = new Array<bigint>(11).fill(0n);
  r[1] = CTX;
  const count = code.length / 8;
  for (let pc = 0, steps = 0; pc < count; pc++) {
    if (++steps > 4096) throw new Error("no exit");
    const op = view.getUint8(pc * 8);
    const regs = view.getUint8(pc * 8 + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = view.getInt16(pc * 8 + 2, true);
    const imm = view.getInt32(pc * 8 + 4, true);
    const immU32 = BigInt(imm >>> 0);
    const imm64 = BigInt(imm); // sign-extended, as JMP compares with a 64-bit immediate
    switch (op) {
      case BPF.LDXW: {
        const at = Number(r[src] - CTX) + off;
        if (r[src] < CTX || at < 0 || at + 4 > 12 || at % 4 !== 0) throw new Error(`bad load at ${pc}`);
        r[dst] = BigInt(mem.getUint32(at, true));
        break;
      }
      case BPF.AND32K:
        r[dst] = r[dst] & U32 & immU32;
        break;
      case BPF.RSH32K:
        r[dst] = (r[dst] & U32) >> immU32;
        break;
      case BPF.MOV32K:
        r[dst] = immU32;
        break;
      case BPF.MOV32X:
        r[dst] = r[src] & U32;
        break;
      case BPF.JEQK:
        if (r[dst] === BigInt.asUintN(64, imm64)) pc += off;
        break;
      case BPF.JNEK:
        if (r[dst] !== BigInt.asUintN(64, imm64)) pc += off;
        break;
      case BPF.EXIT:
        return Number(r[0]);
      default:
        throw new Error(`opcode 0x${op.toString(16)} at ${pc} is not one the filter emits`);
    }
    if (pc + 1 > count) throw new Error(`jump past the end at ${pc}`);
  }
  throw new Error("fell off the end");
}
