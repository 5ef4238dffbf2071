// Thin bindings to the libc calls bunker makes from the (multithreaded) Bun
// process. Only calls that are safe from any thread live here; everything that
// must run single-threaded lives in spawn.c and runs in a forked child.
import { dlopen, FFIType, ptr, toArrayBuffer } from "bun:ffi";

const { i32, u64, cstring, pointer } = FFIType;

const lib = dlopen("libc.so.6", {
  flock: { args: [i32, i32], returns: i32 },
  kill: { args: [i32, i32], returns: i32 },
  waitpid: { args: [i32, pointer, i32], returns: i32 },
  mount: { args: [cstring, cstring, cstring, u64, cstring], returns: i32 },
  umount2: { args: [cstring, i32], returns: i32 },
  open: { args: [cstring, i32, i32], returns: i32 },
  close: { args: [i32], returns: i32 },
  ioctl: { args: [i32, u64, pointer], returns: i32 },
  isatty: { args: [i32], returns: i32 },
  getuid: { args: [], returns: i32 },
  __errno_location: { args: [], returns: pointer },
  strerror: { args: [i32], returns: cstring },
});

const sym = lib.symbols;

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_NOCTTY = 0o400;
export const O_CLOEXEC = 0o2000000;
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const WNOHANG = 1;
export const MNT_DETACH = 2;

/** An errno-carrying error, so callers can branch on `code` like node's fs errors. */
export class SysError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly code: string,
  ) {
    super(`${call}: ${sym.strerror(errno)}`);
  }
}

const errnoNames: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN",
  13: "EACCES", 16: "EBUSY", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 25: "ENOTTY", 28: "ENOSPC",
};

export function errno(): number {
  const p = sym.__errno_location();
  return p ? new Int32Array(toArrayBuffer(p, 4))[0] : 0;
}


function check(call: string, rc: number): number {
  if (rc < 0) {
    const e = errno();
    throw new SysError(call, e, errnoNames[e] ?? `E${e}`);
  }
  return rc;
}

/** A NUL-terminated C string buffer (bun:ffi cstring args need explicit termination). */
export function cstr(s: string): Buffer {
  return Buffer.from(s + "\0");
}

export function flock(fd: number, op: number): void {
  for (;;) {
    if (sym.flock(fd, op) === 0) return;
    const e = errno();
    if (e === 4) continue; // EINTR: a signal arrived while waiting; keep waiting
    throw new SysError("flock", e, errnoNames[e] ?? `E${e}`);
  }
}

export function kill(pid: number, signal: number): boolean {
  return sym.kill(pid, signal) === 0;
}

/** Non-blocking reap of one child. Returns the raw wait status, or null if still running. */
export function reap(pid: number): number | null {
  const status = new Int32Array(1);
  const rc = sym.waitpid(pid, ptr(status), WNOHANG);
  if (rc === 0) return null;
  check("waitpid", rc);
  return status[0];
}

/** Blocking reap, for children known to be about to exit. */
export function reapBlocking(pid: number): number {
  const status = new Int32Array(1);
  for (;;) {
    const rc = sym.waitpid(pid, ptr(status), 0);
    if (rc >= 0) return status[0];
    if (errno() !== 4) check("waitpid", rc);
  }
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(
    `mount ${target}`,
    sym.mount(source === null ? null : cstr(source), cstr(target), fstype === null ? null : cstr(fstype), flags, data === null ? null : cstr(data)),
  );
}

export function umount(target: string, flags = 0): void {
  check(`umount ${target}`, sym.umount2(cstr(target), flags));
}

export function open(path: string, flags: number, mode = 0): number {
  return check(`open ${path}`, sym.open(cstr(path), flags, mode));
}

export function close(fd: number): void {
  sym.close(fd);
}

export function ioctl(fd: number, request: number, arg: Uint8Array | Int32Array | Uint16Array): number {
  return check("ioctl", sym.ioctl(fd, request, ptr(arg)));
}

export function isatty(fd: number): boolean {
  return sym.isatty(fd) === 1;
}

export function getuid(): number {
  return sym.getuid();
}

/** Decodes a wait status the way a shell does: exit code, or 128 + signal. */
export function exitCodeOf(status: number): { code: number; signal: number } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: 0 };
  return { code: 128 + sig, signal: sig };
}
