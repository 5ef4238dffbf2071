// Loads the device filter (device-filter.ts) and attaches it to a cgroup v2
// directory with bpf(2). These are plain syscalls on fds, needing no namespace
// or single thread, so they run from the Bun process before the container
// starts, through libc's syscall() (bound only on v2 hosts, the only users),
// which keeps native.c out of it. The attachment lives with the cgroup, so
// the program's fd is closed right away; removing the cgroup frees it.
import { closeSync, constants, openSync } from "node:fs";
import { dlopen, ptr, read } from "bun:ffi";
import { BunkerError } from "../lib/errors.ts";
import { deviceFilter, encodeInsns } from "./device-filter.ts";
import type { DeviceRule } from "./spec.ts";

const SYS_BPF: Partial<Record<string, number>> = { x64: 321, arm64: 280 };
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
// Lets other programs (systemd's, a nested engine's) stay attached beside ours; all must allow.
const BPF_F_ALLOW_MULTI = 2;

let libc: ReturnType<typeof bindLibc> | undefined;

function bindLibc() {
  return dlopen("libc.so.6", {
    syscall: { args: ["i64", "i64", "i64", "i64"], returns: "i64" },
    __errno_location: { args: [], returns: "ptr" },
  }).symbols;
}

/** bpf(cmd, attr, size): the result, or -errno (errno read at once, on this same thread). */
function bpf(cmd: number, attr: Uint8Array): number {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new BunkerError(`device cgroup filter: bpf() is not supported on ${process.arch}`);
  libc ??= bindLibc();
  const rc = Number(libc.syscall(nr, cmd, ptr(attr), attr.length));
  if (rc >= 0) return rc;
  const errnoPtr = libc.__errno_location();
  return errnoPtr ? -read.i32(errnoPtr, 0) : -1;
}

const ERRNO: Record<number, string> = { 1: "EPERM", 7: "E2BIG", 9: "EBADF", 13: "EACCES", 22: "EINVAL", 28: "ENOSPC" };
const errName = (rc: number) => ERRNO[-rc] ?? `errno ${-rc}`;

/** BPF_PROG_LOAD's part of union bpf_attr (x86_64 and arm64 alike): the program's fd. */
function loadProgram(insns: Uint8Array): number {
  const license = Buffer.from("Apache\0");
  const attempt = (log: Uint8Array | null) => {
    const attr = new Uint8Array(72);
    const v = new DataView(attr.buffer);
    v.setUint32(0, BPF_PROG_TYPE_CGROUP_DEVICE, true); // prog_type
    v.setUint32(4, insns.length / 8, true); // insn_cnt
    v.setBigUint64(8, BigInt(ptr(insns)), true); // insns
    v.setBigUint64(16, BigInt(ptr(license)), true); // license
    if (log) {
      v.setUint32(24, 1, true); // log_level
      v.setUint32(28, log.length, true); // log_size
      v.setBigUint64(32, BigInt(ptr(log)), true); // log_buf
    }
    attr.set(Buffer.from("bunker_dev"), 48); // prog_name: shows in bpftool
    return bpf(BPF_PROG_LOAD, attr);
  };
  const fd = attempt(null);
  if (fd >= 0) return fd;
  // Only a failed load pays for the verifier's log, which says why.
  const log = new Uint8Array(16384);
  attempt(log);
  const text = Buffer.from(log.subarray(0, Math.max(log.indexOf(0), 0))).toString().trim().split("\n").slice(-2).join("; ");
  throw new BunkerError(`device cgroup filter: BPF_PROG_LOAD: ${errName(fd)}${text ? ` (${text})` : ""}`);
}

/** Builds the filter for the rules and attaches it to the cgroup v2 directory. */
export function attachDeviceFilter(cgroupDir: string, rules: DeviceRule[]): void {
  const insns = encodeInsns(deviceFilter(rules));
  const prog = loadProgram(insns);
  let dir: number | undefined;
  try {
    dir = openSync(cgroupDir, constants.O_RDONLY | constants.O_DIRECTORY);
    const attr = new Uint8Array(20);
    const v = new DataView(attr.buffer);
    v.setUint32(0, dir, true); // target_fd
    v.setUint32(4, prog, true); // attach_bpf_fd
    v.setUint32(8, BPF_CGROUP_DEVICE, true); // attach_type
    v.setUint32(12, BPF_F_ALLOW_MULTI, true); // attach_flags
    const rc = bpf(BPF_PROG_ATTACH, attr);
    if (rc < 0) throw new BunkerError(`device cgroup filter: BPF_PROG_ATTACH to ${cgroupDir}: ${errName(rc)}`);
  } finally {
    if (dir !== undefined) closeSync(dir);
    closeSync(prog);
  }
}
