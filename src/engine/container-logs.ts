// `logs`: a container's json-file log (json-log.ts), whole or its tail,
// filtered by time, and with `follow` kept up with as it grows, across
// rotations, until the container stops running.
import { type FSWatcher, statSync, watch } from "node:fs";
import { join } from "node:path";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { LineAssembler, LogCursor, type LogEntry, logFileName, readLogFile, rotatedLogFiles, tailEntries } from "./json-log.ts";
import { logOptions } from "./log-config.ts";

export interface LogsOptions {
  follow: boolean;
  /** How many lines from the end; undefined for all. */
  tail?: number;
  /** Nanoseconds since the epoch, both inclusive, as docker's. */
  since?: bigint;
  until?: bigint;
  /** Stops following (the API's client went away). */
  signal?: AbortSignal;
}

/** Passes each line of the log (a whole line, its fragments joined) to `emit`, in order. */
export async function containerLogs(engine: Engine, id: string, opts: LogsOptions, emit: (line: LogEntry) => void): Promise<void> {
  if (logOptions(engine.containers.load(id)).driver === "none") throw new BunkerError("configured logging driver does not support reading", 1);
  const dir = engine.containers.path(id);
  const path = join(dir, logFileName(id));
  const lines = new LineAssembler((line) => {
    if ((opts.since === undefined || line.time >= opts.since) && (opts.until === undefined || line.time <= opts.until)) emit(line);
  });
  const push = (e: LogEntry) => lines.push(e);
  // Watching starts before the first read, so nothing written after that read goes unnoticed.
  const events = opts.follow ? new DirectoryEvents(dir, id) : undefined;
  const stop = () => events?.interrupt();
  opts.signal?.addEventListener("abort", stop);
  if (opts.signal?.aborted) stop();
  let cursor = LogCursor.open(path);
  try {
    // A rotation between opening the current file and listing the old ones would list it twice.
    const rotated = rotatedLogFiles(dir, id).filter((f) => statSync(f, { throwIfNoEntry: false })?.ino !== cursor?.ino);
    if (opts.tail !== undefined) {
      cursor?.skipToEnd();
      for (const e of tailEntries(cursor, rotated, opts.tail)) push(e);
    } else {
      for (const f of rotated) readLogFile(f, push);
      cursor?.read(push);
    }
    if (events) cursor = await follow(engine, id, path, cursor, events, push, opts.until);
    lines.flush();
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    events?.close();
    cursor?.close();
  }
}

/** Reads what was written since, until the container no longer runs (or `until` passes); returns the cursor it ends on. */
async function follow(
  engine: Engine,
  id: string,
  path: string,
  cursor: LogCursor | undefined,
  events: DirectoryEvents,
  push: (e: LogEntry) => void,
  until: bigint | undefined,
): Promise<LogCursor | undefined> {
  const logName = logFileName(id);
  // Loaded only to follow: the start path's modules are most of what `logs` would load.
  const { refreshState } = await import("./start-container.ts");
  const stillRunning = (): boolean => {
    try {
      const s = refreshState(engine, engine.containers.load(id)).State;
      return s.Running || s.Status === "restarting"; // between two runs of its restart policy it is followed too
    } catch (e) {
      if (e instanceof NotFoundError) return false; // removed (rm -f)
      throw e;
    }
  };
  const deadline = until === undefined ? undefined : Number(until / 1_000_000n) - Date.now();
  // setTimeout cannot wait longer than 2^31 ms (~25 days); a later deadline is as good as none.
  const timer = deadline !== undefined && deadline < 2 ** 31 ? setTimeout(() => events.interrupt(), Math.max(0, deadline)) : undefined;
  try {
    // The first round checks the state; later ones when something other than the log changed (the record).
    for (let changed: Set<string> | undefined = new Set([""]); changed; changed = await events.next()) {
      cursor = catchUp(path, cursor, push);
      if ([...changed].some((n) => !n.startsWith(logName)) && !stillRunning()) {
        return catchUp(path, cursor, push); // what the container wrote before it stopped
      }
    }
    return cursor;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the current file to its end. When the writer has rotated it (the
 * name now points to a new file), the old one is complete: it is read to its
 * end, then the new one from its start.
 */
function catchUp(path: string, cursor: LogCursor | undefined, push: (e: LogEntry) => void): LogCursor | undefined {
  cursor?.read(push);
  for (;;) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return cursor; // not written yet, or renamed and not yet recreated
    if (cursor && st.ino === cursor.ino) {
      if (st.size < cursor.offset) {
        cursor.restart(); // truncated in place (a writer keeping one file)
        cursor.read(push);
      }
      return cursor;
    }
    cursor?.read(push);
    cursor?.close();
    cursor = LogCursor.open(path);
    cursor?.read(push);
  }
}

/** fs.watch on the container's directory as a queue of changed file names: no polling. */
class DirectoryEvents {
  private names = new Set<string>();
  private wake?: () => void;
  private interrupted = false;
  private readonly watcher: FSWatcher;

  constructor(dir: string, id: string) {
    try {
      this.watcher = watch(dir, (_event, name) => this.add(name ?? ""));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new NotFoundError(`No such container: ${id}`);
      throw e;
    }
    this.watcher.on("error", () => this.add("")); // the directory went away: "" makes the state be checked
  }

  private add(name: string): void {
    this.names.add(name);
    this.wake?.();
  }

  interrupt(): void {
    this.interrupted = true;
    this.wake?.();
  }

  /** The names changed since the last call (waiting for one), or undefined once interrupted. */
  async next(): Promise<Set<string> | undefined> {
    while (!this.interrupted && this.names.size === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    if (this.interrupted) return undefined;
    const names = this.names;
    this.names = new Set();
    return names;
  }

  close(): void {
    this.watcher.close();
  }
}
