// Profile -> classic BPF seccomp filter, with the meaning runc gives a profile
// through libseccomp, for x86_64 hosts.
//
// Layout (program order):
//   load arch; x86_64? -> load nr; binary search over syscall-number ranges
//              i386?   -> load nr; binary search over the i386 table (if the profile maps it)
//              else    -> default action
//   per syscall with argument rules: its rules, first match wins, else default action
// The search compares nr against range starts, so every syscall costs about
// log2(ranges) jumps, and numbers past the table (x32's bit 30, negative numbers,
// syscalls newer than the table) land in the last range: the default action.
import { BunkerError } from "../../lib/errors.ts";
import { BPF, type JumpOp, MAX_INSTRUCTIONS, ProgramBuilder, type Target } from "./bpf.ts";
import { type ArgCondition, applicableRules, type Operator, type RuleContext, type SeccompProfile, type SyscallRule } from "./profile.ts";
import { I386_SYSCALLS } from "./syscalls-i386.ts";
import { X86_64_SYSCALLS } from "./syscalls-x86_64.ts";

// linux/seccomp.h return values.
const RET = { KILL_PROCESS: 0x80000000, KILL_THREAD: 0, TRAP: 0x00030000, ERRNO: 0x00050000, TRACE: 0x7ff00000, LOG: 0x7ffc0000, ALLOW: 0x7fff0000 };
const EPERM = 1;

// struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6].
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;
const argOffset = (index: number, half: "lo" | "hi") => 16 + 8 * index + (half === "hi" ? 4 : 0);

interface Arch {
  audit: number; // AUDIT_ARCH_* as seccomp_data.arch reports it
  scmp: string; // libseccomp's name, as profiles spell it
  syscalls: ReadonlyMap<string, number>;
  wide: boolean; // 64-bit arguments: compare both halves
}
const X86_64: Arch = { audit: 0xc000003e, scmp: "SCMP_ARCH_X86_64", syscalls: new Map(Object.entries(X86_64_SYSCALLS)), wide: true };
const I386: Arch = { audit: 0x40000003, scmp: "SCMP_ARCH_X86", syscalls: new Map(Object.entries(I386_SYSCALLS)), wide: false };

interface Condition {
  index: number;
  op: Operator;
  value: bigint;
  valueTwo: bigint;
}
interface Rule {
  action: number;
  conditions: Condition[];
}

export interface CompileOptions {
  /** Kernel release for minKernel (default: the running kernel's). */
  kernel?: string;
}

/** Compiles a profile for the container's capabilities into struct sock_filter[] bytes. */
export function compileProfile(profile: SeccompProfile, capabilities: string[], options: CompileOptions = {}): Uint8Array {
  const context: RuleContext = { capabilities, kernel: options.kernel };
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet ?? EPERM);
  const rules = applicableRules(profile, context).flatMap((r) => expand(r, defaultAction));

  const b = new ProgramBuilder();
  const deny: Target = { ret: defaultAction };
  b.ret(defaultAction);
  // Back to front: the i386 section first, so the x86_64 one (the hot path) comes first in the program.
  let notX86_64: Target = deny;
  if (archesOf(profile).includes(I386.scmp)) notX86_64 = archSection(b, I386, rules, deny, deny);
  archSection(b, X86_64, rules, deny, notX86_64);
  b.load(ARCH_OFFSET);

  if (b.length > MAX_INSTRUCTIONS) throw new BunkerError(`seccomp profile compiles to ${b.length} BPF instructions, over the kernel's limit of ${MAX_INSTRUCTIONS}`);
  return b.encode();
}

/** The architectures the filter admits besides native x86_64 (moby: archMap entry or legacy list). */
function archesOf(profile: SeccompProfile): string[] {
  const mapped = profile.archMap?.find((m) => m.architecture === X86_64.scmp);
  return [...(mapped?.subArchitectures ?? []), ...(profile.architectures ?? [])];
}

/** `arch == ARCH ? (load nr; search) : otherArch`; returns the check's label. */
function archSection(b: ProgramBuilder, arch: Arch, rules: { names: string[]; rule: Rule }[], deny: Target, otherArch: Target): Target {
  const perSyscall = new Map<number, Rule[]>();
  for (const { names, rule } of rules) {
    for (const name of names) {
      const nr = arch.syscalls.get(name);
      if (nr === undefined) continue; // not a syscall on this arch: runc skips it too
      perSyscall.set(nr, [...(perSyscall.get(nr) ?? []), rule]);
    }
  }
  // Ranges of syscall numbers with one outcome each; gaps between known numbers are denied.
  const chains = new Map<string, Target>(); // identical rule chains share code
  const ranges: { start: number; target: Target }[] = [];
  let uncovered = 0;
  for (const nr of [...perSyscall.keys()].sort((x, y) => x - y)) {
    if (nr > uncovered) ranges.push({ start: uncovered, target: deny });
    ranges.push({ start: nr, target: outcome(b, perSyscall.get(nr)!, chains, deny, arch.wide) });
    uncovered = nr + 1;
  }
  ranges.push({ start: uncovered, target: deny });
  const merged = ranges.filter((r, i) => i === 0 || !sameTarget(r.target, ranges[i - 1].target));

  // Balanced binary search on range starts; the right half is emitted first because it comes later.
  const search = (lo: number, hi: number): Target => {
    if (lo === hi) return merged[lo].target;
    const mid = (lo + hi + 1) >> 1;
    const right = search(mid, hi);
    const left = search(lo, mid - 1);
    return b.jump(BPF.JGE_K, merged[mid].start, right, left);
  };
  const root = search(0, merged.length - 1);
  // With rules the root is the jump just placed, so the nr load falls through into it;
  // a profile without any syscall rule for this arch is just its default action.
  const entry = "ret" in root ? root : b.load(NR_OFFSET);
  return b.jump(BPF.JEQ_K, arch.audit, entry, otherArch);
}

/** What one syscall's rules amount to: a plain return, or the code of its rule chain. */
function outcome(b: ProgramBuilder, rules: Rule[], chains: Map<string, Target>, deny: Target, wide: boolean): Target {
  // First match wins, so nothing after an unconditional rule is reachable.
  const catchAll = rules.findIndex((r) => r.conditions.length === 0);
  const reachable = catchAll < 0 ? rules : rules.slice(0, catchAll + 1);
  if (reachable[0].conditions.length === 0) return { ret: reachable[0].action };
  const key = JSON.stringify(reachable, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  let chain = chains.get(key);
  if (!chain) chains.set(key, (chain = ruleChain(b, reachable, deny, wide)));
  return chain;
}

function sameTarget(x: Target, y: Target): boolean {
  return "ret" in x ? "ret" in y && x.ret === y.ret : "at" in y && x.at === y.at;
}


/** One syscall's rules, each rule's conditions ANDed, first matching rule's action wins. */
function ruleChain(b: ProgramBuilder, rules: Rule[], deny: Target, wide: boolean): Target {
  let next: Target = deny;
  for (const rule of rules.toReversed()) {
    let match: Target = { ret: rule.action };
    for (const cond of rule.conditions.toReversed()) match = compare(b, cond, match, next, wide);
    next = match;
  }
  return next;
}

/**
 * A 64-bit unsigned comparison of args[index] with two 32-bit loads, as libseccomp
 * does: the high halves decide unless they are equal. 32-bit arches (i386) carry
 * only the low half (the kernel zero-extends), so only it is compared there.
 */
function compare(b: ProgramBuilder, c: Condition, t: Target, f: Target, wide: boolean): Target {
  const hi = Number(c.value >> 32n);
  const lo = Number(c.value & 0xffffffffn);
  const load = (half: "lo" | "hi") => b.load(argOffset(c.index, half));
  // Each operator is either a primitive (EQ, GT, GE, MASKED_EQ) or its negation with the exits swapped.
  const negated: Partial<Record<Operator, Operator>> = { SCMP_CMP_NE: "SCMP_CMP_EQ", SCMP_CMP_LE: "SCMP_CMP_GT", SCMP_CMP_LT: "SCMP_CMP_GE" };
  const positive = negated[c.op];
  if (positive) return compare(b, { ...c, op: positive }, f, t, wide);

  if (c.op === "SCMP_CMP_MASKED_EQ") {
    const dataHi = Number(c.valueTwo >> 32n);
    const dataLo = Number(c.valueTwo & 0xffffffffn);
    const lowHalf = (onTrue: Target): Target => {
      b.jump(BPF.JEQ_K, dataLo, onTrue, f);
      if (lo !== 0xffffffff) b.and(lo);
      return load("lo");
    };
    if (!wide || hi === 0) {
      // (arg_hi & 0) == data_hi holds exactly when data_hi is 0.
      return !wide || dataHi === 0 ? lowHalf(t) : f;
    }
    const low = lowHalf(t);
    b.jump(BPF.JEQ_K, dataHi, low, f);
    if (hi !== 0xffffffff) b.and(hi);
    return load("hi");
  }

  const op: JumpOp = c.op === "SCMP_CMP_EQ" ? BPF.JEQ_K : c.op === "SCMP_CMP_GT" ? BPF.JGT_K : BPF.JGE_K;
  b.jump(op, lo, t, f);
  const low = load("lo");
  if (!wide) return low;
  if (c.op === "SCMP_CMP_EQ") {
    b.jump(BPF.JEQ_K, hi, low, f);
  } else {
    // hi > k: decided true; hi == k: the low halves decide; hi < k: false.
    const equal = b.jump(BPF.JEQ_K, hi, low, f);
    b.jump(BPF.JGT_K, hi, t, equal);
  }
  return load("hi");
}

/** A profile rule as compiled rules: action resolved, conditions split as runc splits them. */
function expand(rule: SyscallRule, defaultAction: number): { names: string[]; rule: Rule }[] {
  // runc leaves ERRNO/TRACE without errnoRet at EPERM (defaultErrnoRet is only for the default action).
  const action = actionValue(rule.action, rule.errnoRet ?? EPERM);
  // libseccomp refuses a rule whose action is the default one, and runc skips it: it changes nothing.
  if (action === defaultAction) return [];
  const conditions = (rule.args ?? []).map(condition);
  // runc: several conditions on the same argument are not ANDed but become one rule each (ORed).
  const perArg = new Set(conditions.map((c) => c.index));
  const split = perArg.size < conditions.length;
  const variants = split ? conditions.map((c) => [c]) : [conditions];
  return variants.map((conds) => ({ names: rule.names, rule: { action, conditions: conds } }));
}

function condition(arg: ArgCondition): Condition {
  return { index: arg.index, op: arg.op, value: BigInt(arg.value), valueTwo: BigInt(arg.valueTwo ?? 0) };
}

function actionValue(action: SeccompProfile["defaultAction"], errno: number): number {
  switch (action) {
    case "SCMP_ACT_ALLOW":
      return RET.ALLOW;
    case "SCMP_ACT_ERRNO":
      return RET.ERRNO | (errno & 0xffff);
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return RET.KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS":
      return RET.KILL_PROCESS;
    case "SCMP_ACT_TRAP":
      return RET.TRAP;
    case "SCMP_ACT_TRACE":
      return RET.TRACE | (errno & 0xffff);
    case "SCMP_ACT_LOG":
      return RET.LOG;
    case "SCMP_ACT_NOTIFY":
      throw new BunkerError("seccomp action SCMP_ACT_NOTIFY needs a notification listener, which is not supported");
  }
}
