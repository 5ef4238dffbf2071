// Docker's default profile compiled for x86_64 and run through the interpreter:
// the outcomes Docker users rely on, checked syscall by syscall.
import { describe, expect, test } from "bun:test";
import { compileProfile, defaultProfile } from "../../../../src/runtime/seccomp/index.ts";
import { AUDIT_ARCH_I386, ENOSYS_RET, EPERM_RET, Filter, SECCOMP_RET } from "./bpf-interp.ts";
import { ALL_CAPS, DOCKER_CAPS, NEW_KERNEL, OLD_KERNEL, nr } from "./fixtures.ts";

const ALLOW = SECCOMP_RET.ALLOW;
const compile = (caps: string[], kernel = NEW_KERNEL) => new Filter(compileProfile(defaultProfile(), caps, { kernel }));
const docker = compile(DOCKER_CAPS);
const privileged = compile(ALL_CAPS);
const withCaps = (...caps: string[]) => compile([...DOCKER_CAPS, ...caps]);
const call = (f: Filter, name: string, ...args: (number | bigint)[]) => f.run({ nr: nr(name), args });

// clone(2) flags
const CLONE = { NEWNS: 0x20000, NEWCGROUP: 0x02000000, NEWUTS: 0x04000000, NEWIPC: 0x08000000, NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000 };
const SIGCHLD = 17;
const FORK_FLAGS = 0x01200000 | SIGCHLD; // glibc fork(): CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD
const THREAD_FLAGS = 0x3d0f00; // glibc pthread_create

describe("default profile, Docker's capabilities", () => {
  test("ordinary syscalls are allowed", () => {
    for (const name of ["read", "write", "openat", "close", "execve", "exit_group", "getpid", "futex", "mmap", "brk", "rt_sigreturn", "arch_prctl", "modify_ldt", "statx", "epoll_pwait2", "chroot"]) {
      expect(`${name}: ${call(docker, name)}`).toBe(`${name}: ${ALLOW}`);
    }
  });

  test("syscall numbers the profile does not allow, and unknown numbers, get EPERM", () => {
    for (const n of [nr("pivot_root"), nr("swapon"), 337, 387, 423, 471, 511, 1000, 0x3fffffff, -1]) expect(docker.run({ nr: n })).toBe(EPERM_RET);
  });

  test("clone3 gets ENOSYS so that libc falls back to clone", () => {
    expect(call(docker, "clone3")).toBe(ENOSYS_RET);
  });

  test.each(["mount", "umount2", "unshare", "setns", "bpf", "perf_event_open", "sethostname", "setdomainname", "fsopen", "open_tree", "move_mount", "quotactl", "syslog", "lookup_dcookie"])(
    "%s needs CAP_SYS_ADMIN",
    (name) => {
      expect(call(docker, name)).toBe(EPERM_RET);
      expect(call(withCaps("CAP_SYS_ADMIN"), name)).toBe(ALLOW);
    },
  );

  test("bpf, perf_event_open and syslog also open with their narrower capability", () => {
    expect(call(withCaps("CAP_BPF"), "bpf")).toBe(ALLOW);
    expect(call(withCaps("CAP_PERFMON"), "perf_event_open")).toBe(ALLOW);
    expect(call(withCaps("CAP_SYSLOG"), "syslog")).toBe(ALLOW);
    expect(call(withCaps("CAP_BPF"), "perf_event_open")).toBe(EPERM_RET);
  });

  test.each([
    ["reboot", "CAP_SYS_BOOT"],
    ["init_module", "CAP_SYS_MODULE"],
    ["acct", "CAP_SYS_PACCT"],
    ["kcmp", "CAP_SYS_PTRACE"],
    ["iopl", "CAP_SYS_RAWIO"],
    ["settimeofday", "CAP_SYS_TIME"],
    ["vhangup", "CAP_SYS_TTY_CONFIG"],
    ["mbind", "CAP_SYS_NICE"],
    ["open_by_handle_at", "CAP_DAC_READ_SEARCH"],
  ])("%s needs %s", (name, cap) => {
    expect(call(docker, name)).toBe(EPERM_RET);
    expect(call(withCaps(cap), name)).toBe(ALLOW);
  });

  test("keyring, userfaultfd, kexec, io_uring and friends are refused even with every capability", () => {
    for (const name of ["keyctl", "add_key", "request_key", "userfaultfd", "kexec_load", "kexec_file_load", "io_uring_setup", "io_uring_enter", "io_uring_register", "pivot_root", "swapon", "move_pages", "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl"]) {
      expect(`${name}: ${call(docker, name)}`).toBe(`${name}: ${EPERM_RET}`);
      expect(`${name}: ${call(privileged, name)}`).toBe(`${name}: ${EPERM_RET}`);
    }
  });

  test("clone: fork and thread creation pass, any namespace flag is refused", () => {
    expect(call(docker, "clone", FORK_FLAGS)).toBe(ALLOW);
    expect(call(docker, "clone", THREAD_FLAGS)).toBe(ALLOW);
    expect(call(docker, "clone", SIGCHLD | 0x4000 /* CLONE_VFORK */ | 0x100 /* CLONE_VM */)).toBe(ALLOW);
    for (const [flag, bit] of Object.entries(CLONE)) {
      expect(`${flag}: ${call(docker, "clone", FORK_FLAGS | bit)}`).toBe(`${flag}: ${EPERM_RET}`);
      expect(`${flag}: ${call(privileged, "clone", FORK_FLAGS | bit)}`).toBe(`${flag}: ${ALLOW}`);
    }
    // The mask covers only the low half: bits above 32 do not matter (libseccomp compares the high half with mask 0).
    expect(call(docker, "clone", (1n << 40n) | BigInt(FORK_FLAGS))).toBe(ALLOW);
  });

  test("personality: only the values the profile lists", () => {
    for (const persona of [0, 8, 0x20000, 0x20008, 0xffffffff]) expect(call(docker, "personality", persona)).toBe(ALLOW);
    for (const persona of [0x0040000 /* ADDR_NO_RANDOMIZE */, 1, 0x20009, 0xfffffffe]) expect(call(docker, "personality", persona)).toBe(EPERM_RET);
    // 64-bit comparison: the low half matching is not enough.
    expect(call(docker, "personality", 0xffffffffffffffffn)).toBe(EPERM_RET);
    expect(call(docker, "personality", 1n << 32n)).toBe(EPERM_RET);
  });

  test("socket: the address families the profile lists (AF_VSOCK is not among them)", () => {
    // SCMP_CMP_LT 12 (AF_UNSPEC .. AF_ROSE), then one SCMP_CMP_EQ rule per family.
    const allowed = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 21, 22, 24, 26, 27, 28, 29, 30, 31, 32, 33, 35, 36, 39, 41, 42, 43, 44, 45];
    for (let family = 0; family < 64; family++) {
      const want = allowed.includes(family) ? ALLOW : EPERM_RET;
      expect(`AF ${family}: ${call(docker, "socket", family, 1, 0)}`).toBe(`AF ${family}: ${want}`);
    }
    expect(call(docker, "socket", 40 /* AF_VSOCK */)).toBe(EPERM_RET);
    // SCMP_CMP_LT 12 is a 64-bit comparison: a high half set makes it large.
    expect(call(docker, "socket", (1n << 32n) | 2n)).toBe(EPERM_RET);
  });

  test("ptrace and process_vm_* need kernel 4.8 without CAP_SYS_PTRACE", () => {
    expect(call(docker, "ptrace")).toBe(ALLOW);
    const old = compile(DOCKER_CAPS, OLD_KERNEL);
    expect(call(old, "ptrace")).toBe(EPERM_RET);
    expect(call(old, "process_vm_readv")).toBe(EPERM_RET);
    expect(call(compile([...DOCKER_CAPS, "CAP_SYS_PTRACE"], OLD_KERNEL), "ptrace")).toBe(ALLOW);
  });

  test("a foreign architecture gets the default action", () => {
    for (const arch of [0xc00000b7 /* aarch64 */, 0x40000028 /* arm */, 0, 0xffffffff]) expect(docker.run({ nr: 0, arch })).toBe(EPERM_RET);
  });

  test("x32 syscalls (bit 30 of nr) get the default action", () => {
    for (const n of [0, 1, 59, 512, 520, 547]) expect(docker.run({ nr: 0x40000000 + n })).toBe(EPERM_RET);
  });

  test("i386 (Docker maps x86 as a sub-architecture): same policy on 32-bit numbers", () => {
    const i386 = (f: Filter, n: number, ...args: number[]) => f.run({ nr: n, arch: AUDIT_ARCH_I386, args });
    expect(i386(docker, 3 /* read */)).toBe(ALLOW);
    expect(i386(docker, 11 /* execve */)).toBe(ALLOW);
    expect(i386(docker, 102 /* socketcall */)).toBe(ALLOW);
    expect(i386(docker, 359 /* socket */, 2)).toBe(ALLOW);
    expect(i386(docker, 359 /* socket */, 40)).toBe(EPERM_RET);
    expect(i386(docker, 120 /* clone */, FORK_FLAGS)).toBe(ALLOW);
    expect(i386(docker, 120 /* clone */, FORK_FLAGS | CLONE.NEWUSER)).toBe(EPERM_RET);
    expect(i386(docker, 310 /* unshare */)).toBe(EPERM_RET);
    expect(i386(privileged, 310 /* unshare */)).toBe(ALLOW);
    expect(i386(docker, 435 /* clone3 */)).toBe(ENOSYS_RET);
    expect(i386(docker, 384 /* arch_prctl: moby matches arches against amd64 for every sub-arch */)).toBe(ALLOW);
    expect(i386(docker, 288 /* keyctl */)).toBe(EPERM_RET);
    expect(i386(docker, 9999)).toBe(EPERM_RET);
  });
});

describe("default profile, program shape", () => {
  const sizes = { docker: docker.insns.length, privileged: privileged.insns.length };

  test("fits the kernel's 4096-instruction limit with any capability set", () => {
    console.log(`default profile: ${sizes.docker} instructions with Docker's 14 caps, ${sizes.privileged} with all caps`);
    expect(sizes.docker).toBeLessThan(4096);
    expect(sizes.privileged).toBeLessThan(4096);
  });

  test("an allowed syscall costs a handful of instructions (binary search, not a linear chain)", () => {
    let worst = 0;
    for (let n = 0; n < 480; n++) {
      docker.run({ nr: n });
      worst = Math.max(worst, docker.steps);
    }
    expect(worst).toBeLessThanOrEqual(16);
  });

  test("compilation is deterministic and ignores capability order", () => {
    const a = compileProfile(defaultProfile(), DOCKER_CAPS, { kernel: NEW_KERNEL });
    const b = compileProfile(defaultProfile(), [...DOCKER_CAPS].reverse(), { kernel: NEW_KERNEL });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});
