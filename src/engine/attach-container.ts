// `attach`: the terminal joins a running container through its monitor's socket.
import { BunkerError } from "../lib/errors.ts";
import { relay, socketConnection } from "../runtime/attach-stream.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { forwardSignals } from "../runtime/launch.ts";
import { refreshState } from "./start-container.ts";

export interface AttachOptions {
  stdin: boolean;
  sigProxy: boolean;
  detachKeys: number[];
}

/** Returns the container's exit code, or 0 when the user detached. */
export async function attachContainer(engine: Engine, ref: string, opts: AttachOptions): Promise<number> {
  const id = engine.containers.resolve(ref);
  const record = refreshState(engine, engine.containers.load(id));
  if (record.State.Status !== "running") throw new BunkerError("You cannot attach to a stopped container, start it first", 1);
  if (record.State.Paused) throw new BunkerError("You cannot attach to a paused container, unpause it first", 1);
  const conn = await socketConnection(engine.containers.socketPath(id));
  if (!conn) throw new BunkerError(`cannot attach to container ${ref}: its monitor is not running`);
  containerEvent(engine, record, "attach");
  const signals = opts.sigProxy && !record.Config.Tty ? forwardSignals() : undefined;
  signals?.attach(record.State.Pid);
  const result = await relay(conn, {
    stdin: opts.stdin && record.Config.OpenStdin,
    tty: record.Config.Tty,
    closeStdinOnEof: record.Config.StdinOnce,
    detachKeys: opts.detachKeys,
  });
  signals?.stop();
  if ("detached" in result) return 0;
  return result.exitCode ?? refreshState(engine, engine.containers.load(id)).State.ExitCode;
}
