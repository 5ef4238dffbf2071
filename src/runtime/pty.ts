// A pseudo-terminal for `-t`: the container gets the slave as its controlling
// terminal, the CLI copies bytes between its own terminal and the master.
import { closeSync, createReadStream, writeSync } from "node:fs";
import { ioctl, O_CLOEXEC, O_NOCTTY, O_RDWR, open } from "../../ffi/native.ts";

const TIOCSPTLCK = 0x40045431;
const TIOCGPTN = 0x80045430;
const TIOCSWINSZ = 0x5414;

export interface Pty {
  master: number;
  slave: number;
}

export function openPty(): Pty {
  const master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  ioctl(master, TIOCSPTLCK, new Int32Array([0]));
  const n = new Int32Array(1);
  ioctl(master, TIOCGPTN, n);
  const slave = open(`/dev/pts/${n[0]}`, O_RDWR | O_NOCTTY | O_CLOEXEC);
  return { master, slave };
}

export function setWindowSize(fd: number, rows: number, cols: number): void {
  ioctl(fd, TIOCSWINSZ, new Uint16Array([rows, cols, 0, 0]));
}

function followTerminalSize(master: number): () => void {
  const out = process.stdout;
  const apply = () => {
    if (out.isTTY && out.rows && out.columns) setWindowSize(master, out.rows, out.columns);
  };
  apply();
  process.on("SIGWINCH", apply);
  return () => process.off("SIGWINCH", apply);
}

/**
 * Copies the CLI's stdin to the container's terminal (raw mode, so ctrl-C
 * reaches the container) and the terminal's output to stdout. Resolves when
 * the container side closes.
 */
export function relayPty(pty: Pty, interactive: boolean): Promise<void> {
  const stopResize = followTerminalSize(pty.master);
  const stdin = process.stdin;
  const onInput = (chunk: Buffer) => {
    try {
      writeSync(pty.master, chunk);
    } catch {
      // the container has gone; its exit is reported elsewhere
    }
  };
  if (interactive) {
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on("data", onInput);
  }
  return new Promise((resolve) => {
    const output = createReadStream("", { fd: pty.master, autoClose: false, highWaterMark: 65536 });
    const finish = () => {
      stopResize();
      if (interactive) {
        stdin.off("data", onInput);
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
      }
      closeSync(pty.master);
      resolve();
    };
    output.on("data", (d) => process.stdout.write(d));
    output.on("error", finish); // EIO: every slave fd is closed, i.e. the container exited
    output.on("end", finish);
  });
}
