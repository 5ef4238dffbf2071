// Docker's json-file log format, the reading side. A container's log is
// containers/<id>/<id>-json.log plus its rotations <id>-json.log.1 (newest)
// … .N (oldest); each line is one JSON object:
//   {"log":"text\n","stream":"stdout"|"stderr","time":"<RFC 3339, ns, UTC>","attrs"?:{…}}
// A line longer than 16 KiB is split into several entries, only the last
// ending in "\n"; the reader joins them back into one line.
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";

export type Stream = "stdout" | "stderr";

export interface LogEntry {
  log: string;
  stream: Stream;
  /** Nanoseconds since the epoch. */
  time: bigint;
  attrs?: Record<string, string>;
}

const CHUNK = 256 * 1024;

export function logFileName(id: string): string {
  return `${id}-json.log`;
}

/** The rotated files, oldest first, without the current one. */
export function rotatedLogFiles(dir: string, id: string): string[] {
  const base = logFileName(id);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(`${base}.`) && /^[1-9]\d*$/.test(n.slice(base.length + 1)))
    .map((n) => Number(n.slice(base.length + 1)))
    .sort((a, b) => b - a)
    .map((n) => join(dir, `${base}.${n}`));
}

/** An RFC 3339 time with up to nine fractional digits as nanoseconds since the epoch; undefined if it is not one. */
export function parseRfc3339(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  const ms = m ? Date.parse(`${m[1]}${m[3].toUpperCase()}`) : Number.NaN;
  if (!m || Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** Go's RFC3339NanoFixed in UTC (always nine digits), as `docker logs -t` prints it. */
export function formatNanoFixed(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const nanos = ns - seconds * 1_000_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, "0")}Z`;
}

/** One JSON line of the log; undefined for a line that is not an entry (a torn write, corruption): it is skipped. */
export function parseEntry(line: string): LogEntry | undefined {
  let raw: { log?: unknown; stream?: unknown; time?: unknown; attrs?: unknown };
  try {
    raw = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof raw?.log !== "string" || typeof raw.time !== "string") return undefined;
  const time = parseRfc3339(raw.time);
  if (time === undefined) return undefined;
  const entry: LogEntry = { log: raw.log, stream: raw.stream === "stderr" ? "stderr" : "stdout", time };
  if (raw.attrs && typeof raw.attrs === "object") entry.attrs = raw.attrs as Record<string, string>;
  return entry;
}

/** Splits a buffer at "\n": complete lines go to onLine, the unfinished rest is returned. */
function splitLines(data: Buffer, onLine: (line: string) => void): Buffer {
  let start = 0;
  for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
    onLine(data.toString("utf8", start, nl));
    start = nl + 1;
  }
  return data.subarray(start);
}

/**
 * Reads a log file forward from an offset, whole JSON lines only: a line the
 * writer has not finished waits in `carry` for the rest. Used for reading
 * rotated files once and for following the current one as it grows.
 */
export class LogCursor {
  private carry: Buffer = Buffer.alloc(0);
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  readonly ino: number;

  constructor(
    readonly fd: number,
    public offset = 0,
  ) {
    this.ino = fstatSync(fd).ino;
  }

  static open(path: string): LogCursor | undefined {
    try {
      return new LogCursor(openSync(path, "r"));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Every complete entry written since the last call, in order. */
  read(onEntry: (e: LogEntry) => void): void {
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, CHUNK, this.offset);
      if (n === 0) return;
      this.offset += n;
      const data = this.carry.length > 0 ? Buffer.concat([this.carry, this.buf.subarray(0, n)]) : this.buf.subarray(0, n);
      // Copied: the buffer is reused by the next read.
      this.carry = Buffer.from(
        splitLines(data, (line) => {
          const e = parseEntry(line);
          if (e) onEntry(e);
        }),
      );
    }
  }

  /** Moves past the last complete line: reading on gives what is written from now on (and a line being written, whole). */
  skipToEnd(): void {
    for (let end = fstatSync(this.fd).size; end > 0; ) {
      const start = Math.max(0, end - CHUNK);
      const nl = this.buf.subarray(0, readSync(this.fd, this.buf, 0, end - start, start)).lastIndexOf(10);
      if (nl >= 0) {
        this.offset = start + nl + 1;
        return;
      }
      end = start;
    }
    this.offset = 0;
  }

  /** The file was truncated in place (a rotation that keeps one file): start again from its beginning. */
  restart(): void {
    this.offset = 0;
    this.carry = Buffer.alloc(0);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads a whole file once, in order. */
export function readLogFile(path: string, onEntry: (e: LogEntry) => void): void {
  const cursor = LogCursor.open(path);
  if (!cursor) return; // rotated away meanwhile
  try {
    cursor.read(onEntry);
  } finally {
    cursor.close();
  }
}

/** The entries of the first `size` bytes of a file, newest first, read backwards in chunks so a big file is not read whole. */
function* entriesBackward(fd: number, size: number): Generator<LogEntry> {
  let end = size;
  let carry: Buffer = Buffer.alloc(0); // bytes from `end` on, the end of a line that begins before `end`
  while (end > 0) {
    const start = Math.max(0, end - CHUNK);
    const buf = Buffer.allocUnsafe(end - start);
    readSync(fd, buf, 0, buf.length, start);
    const data = carry.length > 0 ? Buffer.concat([buf, carry]) : buf;
    // Unless the chunk starts the file, its first line may begin in an earlier chunk: it is kept for then.
    const nl = start === 0 ? -1 : data.indexOf(10);
    if (start > 0 && nl < 0) {
      carry = data;
      end = start;
      continue;
    }
    const lines: string[] = [];
    splitLines(data.subarray(nl + 1), (l) => lines.push(l)); // a torn last line (a crashed writer) is left out
    for (let i = lines.length - 1; i >= 0; i--) {
      const e = parseEntry(lines[i]);
      if (e) yield e;
    }
    carry = data.subarray(0, nl + 1);
    end = start;
  }
}

/**
 * The entries making up the last `n` lines, oldest first: those of `current`
 * before its offset (where following goes on, see skipToEnd), then of the
 * `rotated` files (oldest first). Reads backwards from the end, so the
 * cost follows n, not the size of the log.
 */
export function tailEntries(current: LogCursor | undefined, rotated: string[], n: number): LogEntry[] {
  const picked: LogEntry[] = [];
  if (n <= 0) return picked;
  let lines = 0;
  // Going backwards, the first entry seen of a stream ends a line even without "\n" (one still being written).
  const seen = new Set<Stream>();
  const take = (e: LogEntry): boolean => {
    if (e.log.endsWith("\n") || !seen.has(e.stream)) {
      if (lines === n) return false;
      lines++;
    }
    seen.add(e.stream);
    picked.push(e);
    return true;
  };
  const scan = (fd: number, size: number): boolean => {
    for (const e of entriesBackward(fd, size)) if (!take(e)) return false;
    return true;
  };
  let more = current ? scan(current.fd, current.offset) : true;
  for (let i = rotated.length - 1; more && i >= 0; i--) {
    let fd: number;
    try {
      fd = openSync(rotated[i], "r");
    } catch {
      continue; // rotated away meanwhile
    }
    try {
      more = scan(fd, fstatSync(fd).size);
    } finally {
      closeSync(fd);
    }
  }
  return picked.reverse();
}

/**
 * Joins the fragments of split lines back together (per stream, as they were
 * split), so a filter or a timestamp applies to a line, not to a fragment.
 * A joined line carries its first fragment's time.
 */
export class LineAssembler {
  private readonly pending = new Map<Stream, LogEntry>();

  constructor(private readonly emit: (line: LogEntry) => void) {}

  push(e: LogEntry): void {
    const before = this.pending.get(e.stream);
    const line = before ? { ...before, log: before.log + e.log } : e;
    if (line.log.endsWith("\n")) {
      this.pending.delete(e.stream);
      this.emit(line);
    } else this.pending.set(e.stream, line);
  }

  /** Emits the lines still unfinished (the container stopped mid-line, or the reading ends here). */
  flush(): void {
    for (const line of this.pending.values()) this.emit(line);
    this.pending.clear();
  }
}
