// Attaching a byte stream (the API's hijacked connection) to a container, as
// the CLI's relay attaches a terminal: one more consumer of the monitor's
// frames. Its output goes raw for a TTY, else in the monitor's own 8-byte
// frames, which are Docker's stdcopy frames; what the client sends is the
// container's stdin. A client may attach before the start (the docker CLI's
// run does): it waits here, and the start hands it the monitor's owner
// connection, so it gets the container's output from its first byte.
import type { Duplex } from "node:stream";
import { BunkerError, ConflictError } from "../lib/errors.ts";
import {
  detachMatcher,
  exitCodeFrom,
  frame,
  type MonitorConnection,
  type RelayResult,
  resizeFrame,
  socketConnection,
  T_CLOSE_STDIN,
  T_STDERR,
  T_STDIN,
  T_STDOUT,
} from "../runtime/attach-stream.ts";
import { containerLogs } from "./container-logs.ts";
import type { LoadedRecord } from "./container-store.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { refreshState, startContainer } from "./start-container.ts";

export interface StreamAttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** The log so far first (docker's logs=1). */
  logs: boolean;
  /** Then the live streams (docker's stream=1); without it the attach ends after the log. */
  stream: boolean;
  detachKeys: number[];
}

type Relay = (conn: MonitorConnection, record: LoadedRecord) => Promise<RelayResult>;

/** Clients attached to a container that is not running, waiting for its start (the service's only state: lost with it, harmlessly). */
const waiting = new Map<string, Relay[]>();

/** What the client gets of a stream's bytes: the bytes for a TTY, else a frame saying which stream. */
function outputFor(record: LoadedRecord, opts: StreamAttachOptions): (type: number, payload: Uint8Array) => Uint8Array | undefined {
  const tty = record.Config.Tty;
  return (type, payload) => {
    if ((type === T_STDOUT && !opts.stdout) || (type === T_STDERR && !opts.stderr) || (type !== T_STDOUT && type !== T_STDERR)) return undefined;
    return tty ? payload : frame(type, payload);
  };
}

/**
 * Joins CLIENT to the monitor connection until the container's streams end (then the client's
 * output ends too), the client detaches (detach keys, or its stdin ends where docker ends the
 * attach), or it goes away; the monitor connection is closed in every case.
 */
function relayClient(client: Duplex, opts: StreamAttachOptions): Relay {
  return (conn, record) =>
    new Promise<RelayResult>((resolve) => {
      const output = outputFor(record, opts);
      let finished = false;
      const finish = (result: RelayResult) => {
        if (finished) return;
        finished = true;
        client.off("data", onInput);
        client.off("end", onInputEnd);
        client.off("close", onGone);
        client.off("error", onGone);
        conn.close();
        client.end();
        resolve(result);
      };
      const detach = detachMatcher(opts.detachKeys);
      const withStdin = opts.stdin && record.Config.OpenStdin;
      const onInput = (chunk: Buffer) => {
        if (!withStdin) return;
        const { pass, detached } = detach(chunk);
        if (pass.length) conn.send(frame(T_STDIN, pass));
        if (detached) finish({ detached: true });
      };
      // As dockerd: the end of a client's stdin closes the container's with StdinOnce (no TTY); otherwise it ends the attach.
      const onInputEnd = () => {
        if (!withStdin) return;
        if (record.Config.StdinOnce && !record.Config.Tty) conn.send(frame(T_CLOSE_STDIN));
        else finish({ detached: true });
      };
      const onGone = () => finish({ detached: true });
      client.on("data", onInput);
      client.on("end", onInputEnd);
      client.on("close", onGone);
      client.on("error", onGone);
      client.resume(); // what it sent before the start comes now
      exitCodeFrom(conn, (type, payload) => {
        const bytes = output(type, payload);
        if (bytes && !finished && client.writable) client.write(bytes);
      }).then((exitCode) => finish({ exitCode }));
    });
}

/** The log so far, as the live streams would have sent it. */
async function replayLog(engine: Engine, record: LoadedRecord, client: Duplex, opts: StreamAttachOptions): Promise<void> {
  const output = outputFor(record, opts);
  await containerLogs(engine, record.Id, { follow: false }, (e) => {
    const bytes = output(e.stream === "stderr" ? T_STDERR : T_STDOUT, Buffer.from(e.log));
    if (bytes) client.write(bytes);
  });
}

/** POST /containers/{id}/attach: resolves when the client is done (the container ended, it detached or went away). */
export async function attachStreams(engine: Engine, id: string, client: Duplex, opts: StreamAttachOptions): Promise<void> {
  const record = refreshState(engine, engine.containers.load(id));
  if (opts.logs) await replayLog(engine, record, client, opts);
  if (!opts.stream) {
    client.end();
    return;
  }
  containerEvent(engine, record, "attach");
  const relay = relayClient(client, opts);
  if (record.State.Running) {
    const conn = await socketConnection(engine.containers.socketPath(id));
    if (conn) await relay(conn, record);
    else client.end(); // it has just exited
    return;
  }
  // Not running: the client waits for the next start, which takes it (or it goes away first).
  await new Promise<void>((resolve) => {
    const taken: Relay = (conn, r) => relay(conn, r).finally(resolve);
    waiting.set(id, [...(waiting.get(id) ?? []), taken]);
    client.once("close", () => {
      const left = (waiting.get(id) ?? []).filter((w) => w !== taken);
      if (left.length) waiting.set(id, left);
      else waiting.delete(id);
      resolve();
    });
  });
}

/**
 * POST /containers/{id}/start: resolves once the container runs. A client attached while it
 * was not running gets the monitor's owner connection (and finishes the run: --rm); any
 * other waiting client joins through the monitor's socket.
 */
export async function startForClients(engine: Engine, id: string): Promise<void> {
  const [first, ...others] = waiting.get(id) ?? [];
  waiting.delete(id);
  if (!first) {
    await startContainer(engine, id, { attach: false, interactive: false });
    return;
  }
  let launched!: () => void;
  const running = new Promise<void>((resolve) => (launched = resolve));
  const run = startContainer(engine, id, {
    attach: false,
    interactive: false,
    relay: (conn, record) => {
      launched();
      for (const other of others) void socketConnection(engine.containers.socketPath(id)).then((c) => (c ? other(c, record) : undefined));
      return first(conn, record);
    },
  });
  try {
    await Promise.race([running, run]);
  } catch (e) {
    waiting.set(id, [first, ...others]); // still attached, for a start that works
    throw e;
  }
  run.catch(() => {}); // after the launch, a failure to record the end leaves it to the next reader
}

/** POST /containers/{id}/resize: the container's terminal, through its monitor. */
export async function resizeContainer(engine: Engine, id: string, rows: number, cols: number): Promise<void> {
  const record = refreshState(engine, engine.containers.load(id));
  if (!record.State.Running) throw new ConflictError(`Container ${id} is not running`);
  const conn = await socketConnection(engine.containers.socketPath(id));
  if (!conn) throw new BunkerError(`cannot resize container ${id}: its monitor is not running`);
  conn.send(resizeFrame(rows, cols));
  conn.close();
}
