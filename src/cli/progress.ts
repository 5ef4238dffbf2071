// Docker-style progress for pull and push: on a terminal, one line per layer
// redrawn in place with a bar; otherwise plain lines, one per status change.
import type { CopyEvents } from "../copy/types.ts";
import { humanSize } from "./format.ts";

const BAR_WIDTH = 50;

function bar(current: number, total: number): string {
  if (total <= 0) return "";
  const filled = Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH));
  const arrow = filled > 0 && filled < BAR_WIDTH ? `${"=".repeat(filled - 1)}>` : "=".repeat(filled);
  return `[${arrow}${" ".repeat(BAR_WIDTH - arrow.length)}]  ${humanSize(current)}/${humanSize(total)}`;
}

export interface Progress extends CopyEvents {
  /** Ends redrawing; later output starts on a fresh line. */
  finish(): void;
}

/** Progress on `out` (stdout for pull/push, stderr for the pull inside `run`); nothing at all when quiet. */
export function progressPrinter(out: NodeJS.WriteStream, quiet: boolean): Progress {
  if (quiet) return { status() {}, warn: (l) => process.stderr.write(`${l}\n`), layer() {}, finish() {} };
  return out.isTTY ? new TerminalProgress(out) : new PlainProgress(out);
}

class PlainProgress implements Progress {
  private readonly last = new Map<string, string>();
  constructor(private readonly out: NodeJS.WriteStream) {}
  status(line: string) {
    this.out.write(`${line}\n`);
  }
  warn(line: string) {
    process.stderr.write(`${line}\n`);
  }
  layer(id: string, status: string) {
    if (this.last.get(id) === status) return; // no per-chunk lines in logs
    this.last.set(id, status);
    this.out.write(`${id}: ${status}\n`);
  }
  finish() {}
}

class TerminalProgress implements Progress {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private lastDraw = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  status(line: string) {
    this.out.write(`${line}\n`);
    this.order.length = 0; // lines printed before this one are no longer redrawn
  }
  warn(line: string) {
    process.stderr.write(`${line}\n`);
  }
  layer(id: string, status: string, progress?: { current: number; total: number }) {
    const text = `${id}: ${status}${progress ? ` ${bar(progress.current, progress.total)}` : ""}`;
    if (!this.lines.has(id) || !this.order.includes(id)) {
      this.order.push(id);
      this.lines.set(id, text);
      this.out.write(`${text}\n`);
      return;
    }
    this.lines.set(id, text);
    // Redraw at most every 50 ms; status changes (no progress) always show.
    const now = performance.now();
    if (progress && now - this.lastDraw < 50) return;
    this.lastDraw = now;
    const up = this.order.length - this.order.indexOf(id);
    this.out.write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
  }
  finish() {}
}
