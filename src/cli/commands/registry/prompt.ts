// Interactive prompts for login, on the terminal only. The password is read
// in raw mode so it is never echoed (docker turns echo off the same way).
import { BunkerError } from "../../../lib/errors.ts";

export function interactive(): boolean {
  return !!process.stdin.isTTY;
}

export function requireTerminal(): void {
  if (!interactive()) throw new BunkerError("Cannot perform an interactive login from a non TTY device", 1);
}

/** Prints `label` and reads one line from the terminal; with `hidden`, nothing is echoed. */
export function promptLine(label: string, hidden = false): Promise<string> {
  requireTerminal();
  const stdin = process.stdin;
  // Echo goes off before the prompt shows, or a quick typist's first characters would be echoed.
  if (hidden) stdin.setRawMode(true);
  process.stdout.write(label);
  return new Promise((resolve, reject) => {
    let line = "";
    const finish = (err?: BunkerError) => {
      stdin.off("data", onData);
      stdin.pause();
      if (hidden) {
        stdin.setRawMode(false);
        process.stdout.write("\n"); // the Enter was not echoed
      }
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\x04") return finish();
        if (ch === "\x03") return finish(new BunkerError("login canceled", 130)); // raw mode swallows Ctrl-C's signal
        if (hidden && (ch === "\x7f" || ch === "\b")) line = line.slice(0, -1);
        else line += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}
