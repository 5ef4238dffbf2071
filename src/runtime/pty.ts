// The terminal for `-t`. The container makes its pty in its own devpts and
// sends the master back over a socket (like runc's console socket); the CLI
// then copies bytes between its own terminal and that master.
import { closeSync, createReadStream, writeSync } from "node:fs";
import { ioctl } from "../../ffi/native.ts";

const TIOCSWINSZ = 0x5414;

export function terminalSize(): { rows: number; cols: number } {
  const out = process.stdout;
  return out.isTTY && out.rows && out.columns ? { rows: out.rows, cols: out.columns } : { rows: 0, cols: 0 };
}

function followTerminalSize(master: number): () => void {
  const apply = () => {
    const { rows, cols } = terminalSize();
    if (rows && cols) ioctl(master, TIOCSWINSZ, new Uint16Array([rows, cols, 0, 0]));
  };
  process.on("SIGWINCH", apply);
  return () => process.off("SIGWINCH", apply);
}

/**
 * Copies the CLI's stdin to the container's terminal (raw mode, so ctrl-C
 * reaches the container) and the terminal's output to stdout. Resolves when
 * the container side closes.
 */
export function relayPty(master: number, interactive: boolean): Promise<void> {
  const stopResize = followTerminalSize(master);
  const stdin = process.stdin;
  const onInput = (chunk: Buffer) => {
    try {
      writeSync(master, chunk);
    } catch {
      // the container has gone; its exit is reported elsewhere
    }
  };
  if (interactive) {
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on("data", onInput);
  }
  return new Promise((resolve) => {
    const output = createReadStream("", { fd: master, autoClose: false, highWaterMark: 65536 });
    const finish = () => {
      stopResize();
      if (interactive) {
        stdin.off("data", onInput);
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
      }
      closeSync(master);
      resolve();
    };
    output.on("data", (d) => process.stdout.write(d));
    output.on("error", finish); // EIO: every slave fd is closed, i.e. the container exited
    output.on("end", finish);
  });
}
