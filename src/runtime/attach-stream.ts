// The client side of a monitor's attach protocol (see ffi/monitor.c): frames
// with Docker's 8-byte stdcopy header. The monitor sends the container's
// output and, last, its exit code; clients send stdin, its end, and window sizes.
import { closeSync, createReadStream, createWriteStream, type ReadStream } from "node:fs";
import type { Socket } from "node:net";
import { UsageError } from "../lib/errors.ts";
import { writeAll } from "../lib/write-all.ts";
import { terminalSize } from "./pty.ts";

export const T_STDIN = 0;
export const T_STDOUT = 1;
export const T_STDERR = 2;
const T_EXIT = 3;
export const T_CLOSE_STDIN = 4;
const T_RESIZE = 5;
const T_CLEANUP = 7;
/** The largest frame the monitor takes (its CLIENT_BUF less the header): it drops a client that sends a larger one. */
const MAX_PAYLOAD = 65536;

export function frame(type: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(8 + payload.length);
  out[0] = type;
  out.writeUInt32BE(payload.length, 4);
  out.set(payload, 8);
  return out;
}

/** Asks the monitor to set the container's terminal to ROWS x COLS. */
export const resizeFrame = (rows: number, cols: number) => frame(T_RESIZE, Buffer.from(`${rows} ${cols}`));

/** Splits a byte stream into frames, however the chunks fall. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      this.onFrame(this.pending[0], this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
    }
  }
}

/** A connection to a monitor: the owner socket's fd, or the monitor's listening socket. */
export interface MonitorConnection {
  onData(handler: (chunk: Buffer) => void, onEnd: () => void): void;
  /** Queues data, in order, without blocking; false when the caller should wait for `onDrain` before sending more. */
  send(data: Buffer): boolean;
  onDrain(handler: () => void): void;
  close(): void;
}

export function fdConnection(fd: number): MonitorConnection {
  let stream: ReadStream | undefined;
  let closed = false;
  // Written from the thread pool: the monitor takes stdin at the container's pace, and our output must keep flowing meanwhile.
  const writer = createWriteStream("", { fd, autoClose: false });
  writer.on("error", () => {
    // the monitor is gone (EPIPE): its exit code, if it sent one, is still there to read
  });
  return {
    onData(handler, onEnd) {
      // The stream owns the fd from here: closing it under a pending read could hand that read a reused fd number.
      stream = createReadStream("", { fd, autoClose: true, highWaterMark: 65536 });
      stream.on("data", (d) => handler(d as Buffer));
      stream.on("end", onEnd);
      stream.on("error", onEnd);
    },
    send(data) {
      return closed || writer.write(data);
    },
    onDrain(handler) {
      writer.once("drain", handler);
    },
    close() {
      if (closed) return;
      closed = true;
      if (stream) stream.destroy();
      else closeSync(fd);
    },
  };
}

/** Connects to a monitor's socket; null when nobody listens there (the container exited, or its monitor died). */
export async function socketConnection(path: string): Promise<MonitorConnection | null> {
  // Loaded here only: node:net costs a start several ms, and only wait, stop and attach connect.
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket: Socket = connect(path);
    socket.once("error", () => resolve(null));
    socket.once("connect", () =>
      resolve({
        onData(handler, onEnd) {
          socket.on("data", handler);
          socket.on("end", onEnd);
          socket.on("close", onEnd);
        },
        send(data) {
          return socket.write(data);
        },
        onDrain(handler) {
          socket.once("drain", handler);
        },
        close() {
          socket.end(() => socket.destroy()); // what was sent goes first (a resize, then nothing)
        },
      }),
    );
  });
}

/**
 * Tells a running container's monitor to run `container cleanup` when the container exits, whoever is
 * attached (what a restart policy needs: `update --restart`). False when nobody listens (it exited).
 */
export async function requestCleanupOnExit(path: string): Promise<boolean> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket: Socket = connect(path);
    socket.once("error", () => resolve(false));
    socket.once("connect", () => socket.end(frame(T_CLEANUP, Buffer.from("2")), () => resolve(true)));
  });
}

/**
 * Resolves with the container's exit code, or null if the monitor went away
 * without one. Only at the end of the stream: the monitor closes it as it
 * exits (or execs `container cleanup`), so nothing of its run is left then.
 */
export function exitCodeFrom(conn: MonitorConnection, onOutput?: (type: number, payload: Buffer) => void): Promise<number | null> {
  return new Promise((resolve) => {
    let code: number | null = null;
    const reader = new FrameReader((type, payload) => {
      if (type === T_EXIT) code = Number(payload.toString());
      else onOutput?.(type, payload);
    });
    let done = false;
    conn.onData(
      (chunk) => reader.push(chunk),
      () => {
        if (!done) {
          done = true;
          resolve(code);
        }
      },
    );
  });
}

export interface RelayOptions {
  /** Send our stdin to the container. */
  stdin: boolean;
  tty: boolean;
  /** Close the container's stdin when ours ends (docker's StdinOnce). */
  closeStdinOnEof: boolean;
  /** Bytes that detach instead of reaching the container (ctrl-p ctrl-q by default); with a TTY only, as docker. */
  detachKeys: number[];
  /** Where the container's output goes instead of our stdout/stderr (a build step's log): fd 1 or 2 and the bytes. */
  output?: (fd: number, data: Buffer) => void;
}

export type RelayResult = { exitCode: number | null } | { detached: true };

/**
 * Attaches the terminal to a container: its output to our stdout/stderr, our
 * stdin (raw on a TTY) to it, window-size changes to its terminal.
 */
export function relay(conn: MonitorConnection, opts: RelayOptions): Promise<RelayResult> {
  const stdin = process.stdin;
  const cleanups: (() => void)[] = [];
  return new Promise<RelayResult>((resolve) => {
    let finished = false;
    const finish = (result: RelayResult) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups) c();
      conn.close();
      resolve(result);
    };
    if (opts.tty) {
      const sendSize = () => {
        const { rows, cols } = terminalSize();
        if (rows && cols) conn.send(resizeFrame(rows, cols));
      };
      sendSize();
      process.on("SIGWINCH", sendSize);
      cleanups.push(() => process.off("SIGWINCH", sendSize));
    }
    if (opts.stdin) {
      // Without a terminal stdin is data (a dump, a tarball): no byte in it detaches.
      const detach = detachMatcher(opts.tty ? opts.detachKeys : []);
      const onInput = (chunk: Buffer) => {
        const { pass, detached } = detach(chunk);
        let more = true;
        for (let off = 0; off < pass.length; off += MAX_PAYLOAD) more = conn.send(frame(T_STDIN, pass.subarray(off, off + MAX_PAYLOAD)));
        if (!more) {
          stdin.pause(); // back-pressure: the container reads slower than we do
          conn.onDrain(() => finished || stdin.resume());
        }
        if (detached) finish({ detached: true });
      };
      const onEnd = () => {
        if (opts.closeStdinOnEof) conn.send(frame(T_CLOSE_STDIN));
      };
      if (stdin.isTTY && opts.tty) stdin.setRawMode(true);
      stdin.on("data", onInput);
      stdin.on("end", onEnd);
      cleanups.push(() => {
        stdin.off("data", onInput);
        stdin.off("end", onEnd);
        if (stdin.isTTY && opts.tty) stdin.setRawMode(false);
        stdin.pause();
      });
    }
    // Written synchronously: the process may exit right after the exit frame, and must not lose output still queued.
    exitCodeFrom(conn, (type, payload) => {
      if (type === T_STDOUT || type === T_STDERR) (opts.output ?? writeOutput)(type, payload);
    }).then((exitCode) => finish({ exitCode }));
  });
}

/** The container's output on our stdout or stderr; a reader that went away loses it (the log keeps it). */
function writeOutput(fd: number, data: Buffer): void {
  try {
    writeAll(fd, data);
  } catch {
    // EPIPE: nobody reads our output any more
  }
}

/** Watches input for the detach sequence; bytes of a partial match are held back until it fails. */
export function detachMatcher(keys: number[]): (chunk: Buffer) => { pass: Buffer; detached: boolean } {
  let matched = 0;
  return (chunk) => {
    if (!keys.length) return { pass: chunk, detached: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        matched++;
        if (matched === keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      out.push(...keys.slice(0, matched));
      matched = byte === keys[0] ? 1 : 0;
      if (!matched) out.push(byte);
    }
    return { pass: Buffer.from(out), detached: false };
  };
}

/** Docker's --detach-keys: comma-separated "ctrl-<letter>", "ctrl-@", "ctrl-[", …, or single characters. */
export function parseDetachKeys(spec: string): number[] {
  if (spec === "") return [];
  return spec.split(",").map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(key);
    if (!m) throw new UsageError(`invalid detach key "${key}": use ctrl-<a-z, @, [, \\, ], ^, _> or a single character`);
    const c = m[1];
    return c >= "a" && c <= "z" ? c.charCodeAt(0) - 96 : { "@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, _: 31 }[c] as number;
  });
}

export const DEFAULT_DETACH_KEYS = [16, 17]; // ctrl-p ctrl-q
