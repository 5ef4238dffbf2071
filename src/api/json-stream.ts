// dockerd's JSON message streams (pull, push, load, import, build): one JSON
// object a line, sent as it happens. The 200 goes out with the first message,
// so a failure before it still gets its status code ({"message"} from the
// server); a failure after it ends the stream with dockerd's error message.
import type { CopyEvents } from "../copy/types.ts";
import { errorMessage } from "./errors.ts";
import type { RequestContext } from "./router.ts";

export type Send = (message: object) => void;

/** Runs WORK with a send function; every message is one line of the answer. EAGER: the 200 goes at once (load: every failure is in the stream). */
export async function jsonStream(ctx: RequestContext, work: (send: Send) => Promise<void>, eager = false): Promise<void> {
  const res = ctx.res!;
  if (eager) res.writeHead(200, { "Content-Type": "application/json" });
  const send: Send = (message) => {
    if (ctx.signal.aborted) return;
    if (!res.headersSent) res.writeHead(200, { "Content-Type": "application/json" });
    res.write(`${JSON.stringify(message)}\n`);
  };
  try {
    await work(send);
  } catch (e) {
    if (!res.headersSent) throw e;
    const message = errorMessage(e);
    send({ errorDetail: { message }, error: message });
  }
  if (!res.headersSent) res.writeHead(200, { "Content-Type": "application/json" });
  res.end();
}

/** A copy's progress as dockerd's messages: status lines, and per layer {status, progressDetail, id}. */
export function progressMessages(send: Send): CopyEvents {
  return {
    status: (line) => send({ status: line }),
    warn: (line) => send({ status: line }),
    layer: (id, status, progress) => send({ status, progressDetail: progress ?? {}, id }),
  };
}
