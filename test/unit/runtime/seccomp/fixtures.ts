// Capability sets and syscall numbers the seccomp tests share.
import { X86_64_SYSCALLS } from "../../../../src/runtime/seccomp/syscalls-x86_64.ts";
import { CAPABILITIES } from "../../../../src/runtime/capabilities.ts";

/** Docker's default capability set (14 caps). */
export const DOCKER_CAPS = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Every capability Linux 6.x knows (what --privileged grants). */
export const ALL_CAPS: string[] = [...CAPABILITIES];

/** x86_64 syscall number by name; throws on a typo instead of testing nr `undefined`. */
export function nr(name: string): number {
  const n = X86_64_SYSCALLS[name];
  if (!Object.hasOwn(X86_64_SYSCALLS, name)) throw new Error(`no x86_64 syscall ${name}`);
  return n;
}

// Kernel releases for minKernel, so results do not depend on the machine running the tests.
export const NEW_KERNEL = "6.1.0-18-amd64";
export const OLD_KERNEL = "4.4.0-210-generic";
