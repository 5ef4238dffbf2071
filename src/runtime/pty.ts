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
    if (rows && cols) resizeTerminal(master, rows, cols);
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

/** Sets the terminal's size (rows × columns) through its master. */
export function resizeTerminal(master: number, rows: number, cols: number): void {
  ioctl(master, TIOCSWINSZ, new Uint16Array([rows, cols, 0, 0]));
}

/**
 * Copies INPUT (if any) into the terminal and what the terminal prints to
 * OUTPUT, which may hold the next read back; resolves, with the master
 * closed, once the terminal's last holder has closed it (EIO: the process
 * and its children exited).
 */
export async function relayMaster(master: number, input: ReadableStream<Uint8Array> | null, output: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
  const reader = input?.getReader();
  if (reader) {
    // Bun's writer waits for a full terminal without blocking the service's other connections.
    const sink = Bun.file(master).writer({ highWaterMark: 65536 });
    void (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          await sink.write(r.value);
          await sink.flush();
        }
      } catch {
        // the terminal has gone; its process's exit is reported elsewhere
      }
    })();
  }
  // node's stream, as relayPty's: Bun's file stream ends a terminal's master at once.
  const terminal = createReadStream("", { fd: master, autoClose: false, highWaterMark: 65536 });
  try {
    for await (const chunk of terminal) await output(chunk);
  } catch {
    // EIO: every slave fd is closed
  } finally {
    void reader?.cancel().catch(() => {});
    closeSync(master);
  }
}
