// Child process for kernel.test.ts: installs a compiled seccomp filter on this
// (JS) thread with prctl, then probes syscalls and prints what the kernel answered
// as JSON: a result >= 0, or -errno. Run as: bun install-filter.ts FILTER.bpf
//
// The probes go through a three-line C function (bun:ffi cc) so that errno is read
// right after the syscall, with no JS in between that could overwrite it.
import { cc, ptr } from "bun:ffi";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SOURCE = `
extern long syscall(long number, ...);
extern int *__errno_location(void);
long sys4(long nr, long a, long b, long c, long d) {
  long r = syscall(nr, a, b, c, d, 0L); // unused arguments must be 0 (prctl checks them)
  return r == -1 ? -(long)*__errno_location() : r;
}
`;
const dir = mkdtempSync(join(tmpdir(), "bunker-seccomp-cc-"));
writeFileSync(join(dir, "sys.c"), SOURCE);
const { symbols } = cc({ source: join(dir, "sys.c"), symbols: { sys4: { args: ["i64", "i64", "i64", "i64", "i64"], returns: "i64" } } });
rmSync(dir, { recursive: true, force: true });
const sys = (nr: number, a: number | bigint = 0, b: number | bigint = 0, c: number | bigint = 0, d: number | bigint = 0) => Number(symbols.sys4(nr, a, b, c, d));

// x86_64 numbers and constants.
const NR = { prctl: 157, getpid: 39, unshare: 272, clone3: 435, socket: 41, close: 3, personality: 135, keyctl: 250, mount: 165 };
const PR_SET_NO_NEW_PRIVS = 38;
const PR_SET_SECCOMP = 22;
const SECCOMP_MODE_FILTER = 2;

const filter = readFileSync(process.argv[2]);
// struct sock_fprog { unsigned short len; /* 6 bytes padding */ struct sock_filter *filter; }
const fprog = new DataView(new ArrayBuffer(16));
fprog.setUint16(0, filter.byteLength / 8, true);
fprog.setBigUint64(8, BigInt(ptr(filter)), true);

const results: Record<string, number> = {};
results.pid_before = sys(NR.getpid);
results.no_new_privs = sys(NR.prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0);
results.set_seccomp = sys(NR.prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, BigInt(ptr(fprog)), 0);
results.getpid = sys(NR.getpid);
results.unshare_newuser = sys(NR.unshare, 0x10000000);
results.clone3 = sys(NR.clone3, 0, 0);
results.keyctl = sys(NR.keyctl, 0);
results.mount = sys(NR.mount, 0, 0, 0, 0);
const unix = sys(NR.socket, 1 /* AF_UNIX */, 1 /* SOCK_STREAM */, 0);
results.socket_unix = unix >= 0 ? 0 : unix;
if (unix >= 0) sys(NR.close, unix);
results.socket_vsock = sys(NR.socket, 40 /* AF_VSOCK */, 1, 0);
results.personality_query = sys(NR.personality, 0xffffffff) >= 0 ? 0 : -1;
results.personality_no_aslr = sys(NR.personality, 0x0040000);
console.log(JSON.stringify(results));
