// Reading the journal (journal.ts): past events between since and until,
// then, when until is absent or still ahead, the new ones as they are
// appended, across rotations, until until passes or the caller stops.
// What `bunker events` prints and what /events streams.
import { closeSync, type FSWatcher, fstatSync, openSync, readSync, statSync, watch } from "node:fs";
import { makeDir, PRIVATE_DIR_MODE } from "../lib/modes.ts";
import { decodeEvent, type EventMessage, nowNano } from "./event.ts";
import { journalDir, journalPath, previousPath } from "./journal.ts";

export interface ReadOptions {
  /** Nanoseconds since the epoch, inclusive. Absent (and until absent too): only events from now on. */
  since?: bigint;
  /** Nanoseconds since the epoch, inclusive. Absent: follow until stopped. */
  until?: bigint;
  /** Which events to yield (see filter.ts). */
  filter?: (e: EventMessage) => boolean;
  /** Ends following (an API client gone, ^C). */
  signal?: AbortSignal;
}

const CHUNK = 64 * 1024;

/** A journal file read forward in whole lines; a line still unfinished (a torn write) waits for its end. */
class LineFile {
  private carry = "";
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  readonly ino: number;

  private constructor(
    private readonly fd: number,
    public offset: number,
  ) {
    this.ino = fstatSync(fd).ino;
  }

  static open(path: string, atEnd = false): LineFile | undefined {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    return new LineFile(fd, atEnd ? fstatSync(fd).size : 0);
  }

  /** The events appended since the last call, in file order. */
  read(): EventMessage[] {
    const out: EventMessage[] = [];
    for (let n; (n = readSync(this.fd, this.buf, 0, CHUNK, this.offset)) > 0; ) {
      this.offset += n;
      const lines = (this.carry + this.buf.toString("utf8", 0, n)).split("\n");
      this.carry = lines.pop() ?? "";
      for (const line of lines) {
        const e = decodeEvent(line);
        if (e) out.push(e);
      }
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The journal's events in order: the past ones asked for, then (following) each new one as it is written. */
export async function* readEvents(root: string, opts: ReadOptions = {}): AsyncGenerator<EventMessage> {
  const { since, until, signal } = opts;
  const wanted = (e: EventMessage) => (since === undefined || e.timeNano >= since) && (until === undefined || e.timeNano <= until) && (opts.filter?.(e) ?? true);
  const follow = until === undefined || until > nowNano();
  const path = journalPath(root);
  // Watching starts before the first read, so nothing appended after it goes unnoticed.
  const changes = follow ? new Changes(root, until, signal) : undefined;
  const history = since !== undefined || until !== undefined;
  let current = LineFile.open(path, !history);
  try {
    if (history) {
      // The previous file, unless a rotation since opening the current one made it that very file.
      const previous = LineFile.open(previousPath(root));
      if (previous && previous.ino !== current?.ino) {
        try {
          yield* previous.read().filter(wanted);
        } finally {
          previous.close();
        }
      }
    }
    if (current) yield* current.read().filter(wanted);
    for (let more = true; changes && more; ) {
      more = await changes.next();
      const caughtUp = catchUp(path, current);
      current = caughtUp.file;
      yield* caughtUp.events.filter(wanted);
    }
  } finally {
    changes?.close();
    current?.close();
  }
}

/** Reads the current file to its end; once renamed to .1 by a rotation, the old one is finished first, then the new one read from its start. */
function catchUp(path: string, file: LineFile | undefined): { file: LineFile | undefined; events: EventMessage[] } {
  const events = file?.read() ?? [];
  for (;;) {
    const ino = statSync(path, { throwIfNoEntry: false })?.ino;
    if (ino === undefined || ino === file?.ino) return { file, events };
    if (file) {
      events.push(...file.read());
      file.close();
    }
    file = LineFile.open(path);
    if (file) events.push(...file.read());
  }
}

/** The journal's directory watched (no polling): next() waits for a change. */
class Changes {
  private pending = false;
  private done = false;
  private wake?: () => void;
  private readonly watcher: FSWatcher;
  private readonly timer?: ReturnType<typeof setTimeout>;
  private readonly onAbort = () => this.stop();

  constructor(root: string, until: bigint | undefined, private readonly signal?: AbortSignal) {
    makeDir(journalDir(root), PRIVATE_DIR_MODE); // nothing written yet: the first writer will find it
    this.watcher = watch(journalDir(root), () => this.poke());
    this.watcher.on("error", () => this.stop());
    if (until !== undefined) {
      const ms = Number((until - nowNano()) / 1_000_000n) + 1;
      // setTimeout cannot wait longer than 2^31 ms (~25 days); a later until is as good as none.
      if (ms < 2 ** 31) this.timer = setTimeout(() => this.stop(), Math.max(0, ms));
    }
    signal?.addEventListener("abort", this.onAbort);
    if (signal?.aborted) this.stop();
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private stop(): void {
    this.done = true;
    this.wake?.();
  }

  /** Waits for a change: true, or false once until has passed or the caller stopped (then one last read takes what came before). */
  async next(): Promise<boolean> {
    while (!this.done && !this.pending) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    this.pending = false;
    return !this.done;
  }

  close(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    this.watcher.close();
  }
}
