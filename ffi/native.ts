// bunker's native code (native.c). The build compiles it with the system C
// compiler into a shared library embedded in the executable, which loads in
// ~0.3 ms. Without one (running from source, or no compiler at build time)
// bun:ffi's TinyCC compiles the source at run time instead (~8 ms).
//
// Neither cc nor dlopen can read files inside the compiled executable
// (/$bunfs), so the library or source is written once to a cache file named
// by the source's hash.
import { cc, dlopen, ptr } from "bun:ffi";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SYMBOLS = { bk_call: { args: ["i64", "i64", "i64", "i64", "i64", "i64"], returns: "i32" } } as const;

// Operation numbers of bk_call in native.c.
const OP = { SPAWN: 1, FLOCK: 2, KILL: 3, OPEN: 4, CLOSE: 5, IOCTL: 6, MOUNT: 7, UMOUNT: 8, REAP: 9, SOCKETPAIR: 10, RECV_FD: 11, EXEC_SPAWN: 12, SPAWN_MONITOR: 13,
  NETNS_NEW: 14, BRIDGE_UP: 15, LINK_DEL: 16, VETH_ATTACH: 17, PIPE: 18 } as const;

type Native = ReturnType<typeof cc<typeof SYMBOLS>>["symbols"];

let native: Native | undefined;

/** A buffer's address for bk_call; the caller keeps the buffer referenced for the call's duration. */
const addr = (b: Uint8Array | Int32Array | Uint16Array | null) => (b === null ? 0 : ptr(b));

function call(op: number, a: number = 0, b: number = 0, c: number = 0, d: number = 0, e: number = 0): number {
  return lib().bk_call(op, a, b, c, d, e);
}
let cacheDir = "/var/lib/bunker/cache";

/** What lib() will load: the embedded library's cache file, or C source for TinyCC. */
let prepared: { library: string } | { source: string } | undefined;

/** The hash of the library scripts/build.ts embedded (a tiny build-time virtual module), or null. */
function prebuiltId(): { hash: string } | null {
  try {
    return require("bunker:prebuilt-native-id").default;
  } catch {
    return null; // running from source
  }
}

/** Writes a file into the cache once; concurrent writers each rename a whole file into place. */
export function cached(name: string, contents: () => string | Uint8Array, mode = 0o644): string {
  const file = join(cacheDir, name);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, contents(), { mode });
    renameSync(tmp, file);
  }
  return file;
}

/**
 * Gets the native code ready to load from DIR (the state root's cache). The
 * embedded library (~40 KB of base64) and the C source are imported only when
 * the cache lacks them, so an ordinary start never loads either.
 */
export async function prepareNative(dir: string): Promise<void> {
  cacheDir = dir;
  const id = prebuiltId();
  if (id) {
    const name = `native-${id.hash}.so`;
    if (!existsSync(join(dir, name))) {
      const { default: base64 } = await import("bunker:prebuilt-native");
      cached(name, () => Buffer.from(base64, "base64"));
    }
    prepared = { library: join(dir, name) };
  } else {
    prepared = { source: (await import("./native-source.ts")).default };
  }
}

function lib(): Native {
  if (native) return native;
  // Not prepared: running from source (tests), where the .c file is right here.
  const p = prepared ?? { source: readFileSync(join(import.meta.dir, "native.c"), "utf8") };
  if ("library" in p) {
    native = dlopen(p.library, SYMBOLS).symbols as unknown as Native;
  } else {
    const hash = new Bun.CryptoHasher("sha256").update(p.source).digest("hex").slice(0, 16);
    native = cc({ source: cached(`native-${hash}.c`, () => p.source), symbols: SYMBOLS }).symbols;
  }
  return native;
}

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 9: "EBADF", 10: "ECHILD", 11: "EAGAIN", 12: "ENOMEM",
  13: "EACCES", 16: "EBUSY", 17: "EEXIST", 20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 25: "ENOTTY", 28: "ENOSPC",
};

/** A failed system call; `code` mirrors node's fs errors so callers can branch on it. */
export class SysError extends Error {
  readonly code: string;
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    const code = ERRNO_NAMES[errno] ?? `E${errno}`;
    super(`${call}: ${code}`);
    this.code = code;
  }
}

function check(call: string, rc: number): number {
  if (rc < 0) throw new SysError(call, -rc);
  return rc;
}

/** A C string; a NUL inside would silently cut it short, so it is refused. */
function cstr(s: string): Buffer {
  if (s.includes("\0")) throw new SysError(`a NUL byte in ${JSON.stringify(s.slice(0, 80))}`, EINVAL);
  return Buffer.from(`${s}\0`);
}
const cstrOrNull = (s: string | null) => (s === null ? null : cstr(s));

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_NOCTTY = 0o400;
export const O_CLOEXEC = 0o2000000;
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
export const MNT_DETACH = 2;

export function flock(fd: number, op: number): void {
  check("flock", call(OP.FLOCK, fd, op));
}

export function kill(pid: number, signal: number): boolean {
  return call(OP.KILL, pid, signal) === 0;
}

export function open(path: string, flags: number, mode = 0): number {
  const p = cstr(path);
  return check(`open ${path}`, call(OP.OPEN, addr(p), flags, mode));
}

export function close(fd: number): void {
  call(OP.CLOSE, fd);
}

export function ioctl(fd: number, request: number, arg: Uint8Array | Int32Array | Uint16Array): void {
  check("ioctl", call(OP.IOCTL, fd, request, addr(arg)));
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  const bufs = [cstrOrNull(source), cstr(target), cstrOrNull(fstype), cstrOrNull(data)];
  check(`mount ${target}`, call(OP.MOUNT, addr(bufs[0]), addr(bufs[1]), addr(bufs[2]), flags, addr(bufs[3])));
}

export function umount(target: string, flags = 0): void {
  const t = cstr(target);
  check(`umount ${target}`, call(OP.UMOUNT, addr(t), flags));
}

/** Non-blocking reap of one child: its raw wait status, or null while it runs (or if it is not our child). */
export function reap(pid: number): number | null {
  if (pid <= 0) return null;
  const rc = call(OP.REAP, pid);
  return rc === -1 || rc <= -1000 ? null : rc;
}

/** A connected pair of unix stream sockets (close-on-exec). */
export function socketPair(): [number, number] {
  const fds = new Int32Array(2);
  check("socketpair", call(OP.SOCKETPAIR, addr(fds)));
  return [fds[0], fds[1]];
}

/** A pipe (close-on-exec): its read end, then its write end. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  check("pipe", call(OP.PIPE, addr(fds)));
  return [fds[0], fds[1]];
}

/** Starts a detached process (a container's monitor: argv[0] is its path) with `sock` as its fd 3; returns its pid. */
export function spawnMonitor(argv: string[], sock: number): number {
  const blob = encodeWords(argv);
  return check(`start ${argv[0]}`, call(OP.SPAWN_MONITOR, addr(blob), blob.length, sock));
}

/** Receives one file descriptor sent with SCM_RIGHTS. */
export function receiveFd(sock: number): number {
  return check("recvmsg", call(OP.RECV_FD, sock));
}

/** Decodes a wait status the way a shell does: exit code, or 128 + signal. */
export function exitCodeOf(status: number): { code: number; signal: number } {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: 0 };
  return { code: 128 + sig, signal: sig };
}

export class SpawnError extends Error {
  constructor(
    readonly errno: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Clones a child in new namespaces (clone flags) that runs `program`, a list
 * of operations understood by native.c, ending in an exec. With `cgroupV2`,
 * the child starts inside that cgroup directory. Returns the pid once the
 * child has exec'd; throws SpawnError if any operation failed.
 */
export function spawnProgram(cloneFlags: number, program: string[], cgroupV2 = ""): number {
  const blob = encodeWords(program);
  const errbuf = new Uint8Array(1024); // ERRBUF_LEN in native.c
  const cgroup = cstr(cgroupV2);
  return spawned(call(OP.SPAWN, cloneFlags, addr(blob), blob.length, addr(errbuf), addr(cgroup)), errbuf);
}

/**
 * Runs an exec program (see buildExecProgram): its process joins a running
 * container's cgroup and namespaces. Returns the pid, a child of this
 * process, once it has exec'd; throws SpawnError if any operation failed.
 */
export function spawnExecProgram(program: string[]): number {
  const blob = encodeWords(program);
  const errbuf = new Uint8Array(1024);
  return spawned(call(OP.EXEC_SPAWN, 0, addr(blob), blob.length, addr(errbuf)), errbuf);
}

/**
 * The wire form of a word list for native.c's decode_words: each word as a
 * 32-bit little-endian byte length, its UTF-8 bytes and a NUL. The length,
 * not the NUL, ends a word, so no string can split itself into extra
 * operations; a word holding a NUL is refused here (as Go's exec does), since
 * no system call could take it whole.
 */
export function encodeWords(words: readonly string[]): Buffer {
  const bytes = words.map((w) => {
    if (w.includes("\0")) throw new SpawnError(EINVAL, `a NUL byte in ${JSON.stringify(w.slice(0, 80))}`);
    return Buffer.from(w);
  });
  const out = Buffer.alloc(bytes.reduce((n, b) => n + b.length + 5, 0));
  let at = 0;
  for (const b of bytes) {
    at = out.writeUInt32LE(b.length, at);
    out.set(b, at);
    at += b.length + 1; // the NUL: alloc zeroed it
  }
  return out;
}

/** The pid, or the child's "errno<TAB>detail" report as a SpawnError. */
function spawned(pid: number, errbuf: Uint8Array): number {
  if (pid > 0) return pid;
  const text = Buffer.from(errbuf.subarray(0, errbuf.indexOf(0))).toString();
  if (!text) throw new SpawnError(0, "clone failed");
  const tab = text.indexOf("\t");
  throw new SpawnError(Number(text.slice(0, tab)), text.slice(tab + 1));
}

const ENODEV = 19;
const EINVAL = 22;

/** A fresh network namespace (lo up) as a close-on-exec fd; the calling thread stays in its own. */
export function newNetworkNamespace(): number {
  return check("create network namespace", call(OP.NETNS_NEW));
}

/** Creates bridge NAME unless it exists, gives it ADDRESS/PREFIX (unless it has it) and brings it up. */
export function bridgeUp(name: string, address: Uint8Array, prefix: number): void {
  const n = cstr(name);
  check(`set up bridge ${name}`, call(OP.BRIDGE_UP, addr(n), Buffer.from(address).readUInt32LE(0), prefix));
}

/** Deletes network interface NAME (a veth takes its peer along); false if there was none. */
export function deleteLink(name: string): boolean {
  const n = cstr(name);
  const rc = call(OP.LINK_DEL, addr(n));
  if (rc === -ENODEV) return false;
  check(`delete interface ${name}`, rc);
  return true;
}

export interface VethSpec {
  bridge: string;
  /** The host end's name. */
  host: string;
  /** The name inside the namespace (eth0). */
  ifname: string;
  address: Uint8Array;
  prefix: number;
  /** The default route's gateway, or null for none. */
  gateway: Uint8Array | null;
  mac: Uint8Array;
}

/** A veth pair from bridge to the network namespace NSFD, its inner end addressed and routed. */
export function attachVeth(v: VethSpec, nsfd: number): void {
  const spec = Buffer.alloc(64);
  spec.write(v.bridge, 0, 15);
  spec.write(v.host, 16, 15);
  spec.write(v.ifname, 32, 15);
  spec.set(v.address, 48);
  spec[52] = v.prefix;
  if (v.gateway) spec.set(v.gateway, 53);
  spec.set(v.mac, 57);
  check(`attach ${v.ifname} to ${v.bridge}`, call(OP.VETH_ATTACH, addr(spec), nsfd));
}
