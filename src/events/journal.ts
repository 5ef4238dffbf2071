// The events journal: <root>/events/events.jsonl, one JSON event a line,
// written by every bunker process (CLI, API service, `container cleanup`) and
// by the container monitors (ffi/monitor.c writes `die`), podman's file
// events backend in small. No daemon keeps events in memory, so this file is
// where `events --since` looks back.
//
// Writers take no lock: each event is one write() of one line with
// O_APPEND, which the kernel appends whole. Bounded: a writer that finds the
// file past MAX_BYTES renames it to events.jsonl.1 (replacing the previous
// one) under a lock, so at most about twice the bound is kept. A writer that
// opened the file just before the rename appends to the .1 file: its event is
// still read.
import { closeSync, fstatSync, openSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { withLock } from "../lib/lock.ts";
import { makeDir, PRIVATE_DIR_MODE, SECRET_FILE_MODE } from "../lib/modes.ts";
import { encodeEvent, type EventMessage, type EventType, makeEvent } from "./event.ts";

/** The bound of the current file; with the previous one, the journal keeps up to twice this. */
export const MAX_BYTES = 2 * 1024 * 1024;
/** A line longer than this could be split by a concurrent append on some file systems: its attributes are trimmed. */
const MAX_LINE = 4000;

export const journalDir = (root: string) => join(root, "events");
export const journalPath = (root: string) => join(journalDir(root), "events.jsonl");
export const previousPath = (root: string) => `${journalPath(root)}.1`;

function openForAppend(path: string): number {
  // O_APPEND: every write lands at the end, whoever else writes.
  return openSync(path, "a", SECRET_FILE_MODE);
}

/** Appends one event. Never throws: the journal reports what happened and must not make it fail (a full disk, a read-only root). */
export function appendEvent(root: string, event: EventMessage, maxBytes = MAX_BYTES): void {
  try {
    let line = `${encodeEvent(event)}\n`;
    if (line.length > MAX_LINE) line = `${encodeEvent(withoutLabels(event))}\n`;
    const path = journalPath(root);
    let fd: number;
    try {
      fd = openForAppend(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      makeDir(journalDir(root), PRIVATE_DIR_MODE);
      fd = openForAppend(path);
    }
    try {
      if (fstatSync(fd).size >= maxBytes) {
        closeSync(fd);
        rotate(root, maxBytes);
        fd = openForAppend(path);
      }
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort, as above
  }
}

/** Records one event: the writers' one call. */
export function emit(root: string, type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
  appendEvent(root, makeEvent(type, action, id, attributes));
}

/** Under the lock, so of two writers that both found the file full only one renames it (the other would rename the fresh one away). */
function rotate(root: string, maxBytes: number): void {
  const path = journalPath(root);
  withLock(join(journalDir(root), "rotate.lock"), () => {
    if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) >= maxBytes) renameSync(path, previousPath(root));
  });
}

/** Keeps what docker always sets (image, name, exitCode, signal…) and drops the container's labels that made the line too long. */
function withoutLabels(e: EventMessage): EventMessage {
  const keep = ["image", "name", "exitCode", "signal", "container", "destination", "driver", "type", "execID", "oldName"];
  const Attributes = Object.fromEntries(Object.entries(e.Actor.Attributes).filter(([k, v]) => keep.includes(k) && v.length < 512));
  return { ...e, Actor: { ...e.Actor, Attributes } };
}
