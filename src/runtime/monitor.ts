// Starting a container under its monitor (ffi/monitor.c): a ~1 MB static
// executable that stays as the container's parent after the CLI exits, owns
// its stdio, writes its log, and records its exit. The CLI sends it the
// container's program (native.c's operation list) on the "owner" socket and
// learns the container's pid there; a foreground run keeps that socket to
// attach (src/runtime/attach-stream.ts).
import { existsSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { cached, close, encodeWords, SpawnError, socketPair, spawnMonitor } from "../../ffi/native.ts";
import { frame } from "./attach-stream.ts";
import type { Stdio } from "./program.ts";

/** The fds the monitor gives the container: the program built for it names these. */
export function monitorStdio(tty: boolean, size: { rows: number; cols: number }): Stdio {
  return tty ? { consoleSocket: 10, ...size } : { stdin: 10, stdout: 11, stderr: 12 };
}

export interface MonitorOptions {
  id: string;
  /** The container's directory: the exit file goes there. */
  dir: string;
  /** The json-file log, or "" for none. */
  log: string;
  logMaxSize: number;
  logMaxFile: number;
  /** A JSON object written as "attrs" in every log entry, or "" (--log-opt labels/env). */
  logAttrs: string;
  /** The events journal, where the monitor appends the container's `die`; "" for none. */
  events: string;
  /** The `die` event's attributes beside exitCode: a JSON object (labels, image, name). Private, as the log attributes. */
  eventAttrs: string;
  /** Where it listens for attach/wait clients. */
  socket: string;
  cloneFlags: number;
  /** A network namespace for the container to join (a path), or "": the monitor enters it only to spawn. */
  netns: string;
  cgroupV2: string;
  tty: boolean;
  /** Keep a pipe to the container's stdin (-i). */
  stdin: boolean;
  /** How often to probe (0: no health check); the start interval applies within the start period until a probe passes. */
  health: { intervalMs: number; startIntervalMs: number; startPeriodMs: number };
  /** "always": run `container cleanup` at every exit (restart policies); "unowned": only when no CLI is attached (--rm). */
  cleanup: "never" | "unowned" | "always";
  /** The starting CLI stays attached through the owner socket and records the exit itself. */
  attached: boolean;
  root: string;
  runRoot: string;
  cacheDir: string;
  /**
   * The embedded DNS resolver on 127.0.0.11 (ffi/dns.c, user networks): its names file, upstream servers,
   * and the ids of the container's networks, which it answers for until the file names the container.
   */
  dns?: { names: string; upstream: string[]; networks: string[] } | null;
}

export interface Monitored {
  pid: number;
  monitorPid: number;
  /** Our end of the owner socket: attach through it, or close it to leave the container detached. */
  owner: number;
}

/** The monitor executable, written to the cache once per build (it cannot run from inside /$bunfs). */
export async function monitorExecutable(cacheDir: string): Promise<string> {
  let id: { hash: string } | null = null;
  try {
    id = require("bunker:prebuilt-monitor-id").default;
  } catch {
    // running from source: only the built executable carries a monitor
  }
  if (!id) throw new SpawnError(0, "this bunker was run from source; build it (`bun run build`) to start containers");
  const name = `monitor-${id.hash}`;
  if (!existsSync(join(cacheDir, name))) {
    const { default: base64 } = await import("bunker:prebuilt-monitor");
    return cached(name, () => Buffer.from(base64, "base64"), 0o755);
  }
  return join(cacheDir, name);
}

function optionArgs(o: MonitorOptions): string[] {
  const cleanup = { never: 0, unowned: 1, always: 2 }[o.cleanup];
  return [
    `id=${o.id}`, `dir=${o.dir}`, `log=${o.log}`, `log-max-size=${o.logMaxSize}`, `log-max-file=${o.logMaxFile}`,
    `socket=${o.socket}`, `clone=${o.cloneFlags}`, `netns=${o.netns}`, `cgroup2=${o.cgroupV2}`, `tty=${o.tty ? 1 : 0}`, `stdin=${o.stdin ? 1 : 0}`,
    `health-ms=${o.health.intervalMs}`, `health-start-ms=${o.health.startIntervalMs}`, `health-start-period-ms=${o.health.startPeriodMs}`, `cleanup=${cleanup}`, `attached=${o.attached ? 1 : 0}`, `exe=${process.execPath}`, `root=${o.root}`, `runroot=${o.runRoot}`, `events=${o.events}`,
    ...(o.dns ? [`dns-names=${o.dns.names}`, `dns-upstream=${o.dns.upstream.join(",")}`, `dns-networks=${o.dns.networks.join(",")}`] : []),
  ];
}

function readExactly(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, null);
    if (r === 0) return buf.subarray(0, got);
    got += r;
  }
  return buf;
}

/** The monitor's first frame: "ok PID" or "err ERRNO<TAB>what failed" ("" if it died first). Read exactly: output frames follow it. */
function readReport(fd: number): string {
  const header = readExactly(fd, 8);
  return header.length < 8 ? "" : readExactly(fd, header.readUInt32BE(4)).toString();
}

/**
 * Starts the monitor, which starts the container; returns once the container has exec'd its command (or throws SpawnError).
 * `spawned` learns the monitor's pid while the monitor still waits for the program, before any container process exists.
 */
export function startMonitored(executable: string, program: string[], opts: MonitorOptions, spawned?: (monitorPid: number) => void): Monitored {
  // The log and event attributes (labels, env) come first: in argv any user could read them in `ps`. Refuses a NUL before anything starts.
  const programFrame = frame(0, encodeWords([opts.logAttrs, opts.eventAttrs, ...program]));
  const [ours, theirs] = socketPair();
  let monitorPid: number;
  try {
    monitorPid = spawnMonitor([executable, ...optionArgs(opts)], theirs);
  } finally {
    close(theirs);
  }
  try {
    spawned?.(monitorPid);
  } catch (e) {
    close(ours); // the monitor reads end-of-file instead of a program, and exits
    throw e;
  }
  try {
    writeSync(ours, programFrame);
  } catch {
    // the monitor died before reading it: its report (or its absence) says why
  }
  const report = readReport(ours);
  if (report.startsWith("ok ")) return { pid: Number(report.slice(3)), monitorPid, owner: ours };
  close(ours);
  if (!report.startsWith("err ")) throw new SpawnError(0, "the container monitor exited before starting the container");
  const tab = report.indexOf("\t");
  throw new SpawnError(Number(report.slice(4, tab)), report.slice(tab + 1));
}
