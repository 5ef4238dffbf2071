// Crash-safe file writes: a reader sees either the old file or the new one,
// never a torn one (temp file in the same directory + fsync + rename).
//
// `durable: false` skips the fsyncs for state that is worthless after a
// reboot anyway (a running container's pid, a bundle regenerated at every
// start); the rename still keeps readers from seeing a torn file.
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";

let counter = 0;

export interface WriteOptions {
  mode?: number;
  durable?: boolean;
}

export function writeFileAtomic(path: string, data: string | Uint8Array, { mode = 0o644, durable = true }: WriteOptions = {}): void {
  const tmp = `${path}.${process.pid}.${counter++}.tmp`;
  const fd = openSync(tmp, "wx", mode);
  try {
    fchmodSync(fd, mode); // exactly MODE: the umask must not narrow it
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  if (durable) syncDir(dirname(path));
}

/** Makes a rename or create in DIR durable. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeJsonAtomic(path: string, value: unknown, options?: WriteOptions): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}
