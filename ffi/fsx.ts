// libc file-system calls that node:fs lacks (device nodes, extended attributes),
// used by layer extraction. Loaded lazily: most commands never need them.
import { dlopen, FFIType, ptr, read } from "bun:ffi";

const { i32, u32, u64, i64, pointer } = FFIType; // size_t/ssize_t are 64-bit on x86_64 and arm64

function load() {
  return dlopen("libc.so.6", {
    mknod: { args: [pointer, u32, u64], returns: i32 },
    lsetxattr: { args: [pointer, pointer, pointer, u64, i32], returns: i32 },
    lgetxattr: { args: [pointer, pointer, pointer, u64], returns: i64 },
    syscall: { args: [i64, i64, pointer, pointer, u64], returns: i64 },
    syncfs: { args: [i32], returns: i32 },
    __errno_location: { args: [], returns: pointer },
    strerror: { args: [i32], returns: FFIType.cstring },
  }).symbols;
}

let libc: ReturnType<typeof load> | undefined;
const sym = () => (libc ??= load());

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

const codes: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 13: "EACCES", 17: "EEXIST", 18: "EXDEV", 20: "ENOTDIR", 22: "EINVAL", 40: "ELOOP", 61: "ENODATA", 95: "EOPNOTSUPP",
};

/** A failed libc call; `code` mirrors node's fs errors so callers can branch on it. */
export class FsxError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
    readonly code: string,
  ) {
    super(`${call}: ${sym().strerror(errno)}`);
  }
}

function fail(call: string): never {
  const p = sym().__errno_location();
  // read.i32, not toArrayBuffer(p, 4): that signature is (ptr, byteOffset, length).
  const e = p ? read.i32(p, 0) : 0;
  throw new FsxError(call, e, codes[e] ?? `E${e}`);
}

/** A C string; a NUL inside would silently cut it short, so it is refused. */
function cstr(s: string): Buffer {
  if (s.includes("\0")) throw new FsxError(`a NUL byte in ${JSON.stringify(s.slice(0, 80))}`, 22, "EINVAL");
  return Buffer.from(`${s}\0`);
}

/** glibc's makedev(): the 64-bit dev_t layout used by Linux. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major >>> 0);
  const mi = BigInt(minor >>> 0);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) | (mi & 0xffn);
}

/** mknod(2); `mode` carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions. */
export function mknod(path: string, mode: number, dev: bigint = 0n): void {
  if (sym().mknod(ptr(cstr(path)), mode, dev) !== 0) fail("mknod");
}

/** lsetxattr(2): never follows a symlink at `path`. */
export function lsetxattr(path: string, name: string, value: Uint8Array | string): void {
  const v = typeof value === "string" ? Buffer.from(value) : value;
  // ptr() rejects empty buffers, so always pass at least one byte and the real length.
  const buf = v.length ? v : new Uint8Array(1);
  if (sym().lsetxattr(ptr(cstr(path)), ptr(cstr(name)), ptr(buf), BigInt(v.length), 0) !== 0) fail("lsetxattr");
}

/** lgetxattr(2); returns null when the attribute is absent. */
export function lgetxattr(path: string, name: string): Buffer | null {
  const buf = Buffer.alloc(65536);
  const n = Number(sym().lgetxattr(ptr(cstr(path)), ptr(cstr(name)), ptr(buf), BigInt(buf.length)));
  if (n >= 0) return buf.subarray(0, n);
  try {
    fail("lgetxattr");
  } catch (e) {
    if ((e as FsxError).code === "ENODATA") return null;
    throw e;
  }
}

/** syncfs(2): writes out everything cached for the filesystem FD is on (one call instead of an fsync per file of a tree). */
export function syncfs(fd: number): void {
  if (sym().syncfs(fd) < 0) fail("syncfs");
}

// openat2(2) (Linux 5.6+): the same number on every architecture.
const SYS_OPENAT2 = 437;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;

/**
 * openat2(2): opens `path` relative to `dirfd` with `resolve` restrictions;
 * RESOLVE_IN_ROOT makes every symlink and ".." resolve as if dirfd were "/".
 * Returns the new fd (O_CLOEXEC is always added).
 */
export function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  const how = new BigUint64Array([BigInt(flags | 0o2000000), BigInt(mode), BigInt(resolve)]); // struct open_how
  const fd = Number(sym().syscall(SYS_OPENAT2, dirfd, ptr(cstr(path)), ptr(how), 24n));
  if (fd < 0) fail("openat2");
  return fd;
}
