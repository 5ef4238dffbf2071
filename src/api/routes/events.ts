// GET /events: the journal (src/events/) as dockerd streams it, one JSON
// message a line, from since to until, following new events when until is
// absent or ahead, until the client goes away.
import { parseLogTime } from "../../engine/log-time.ts";
import { wireEvent } from "../../events/event.ts";
import { EVENT_FILTER_KEYS, eventFilter, eventFilters } from "../../events/filter.ts";
import { readEvents } from "../../events/read.ts";
import { queryFilters } from "../filters.ts";
import { ApiError } from "../errors.ts";
import type { RequestContext, Router } from "../router.ts";

function time(q: URLSearchParams, name: "since" | "until"): bigint | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  try {
    return parseLogTime(v, name);
  } catch (e) {
    throw new ApiError(400, (e as Error).message);
  }
}

async function events(ctx: RequestContext): Promise<void> {
  const since = time(ctx.query, "since");
  const until = time(ctx.query, "until");
  const filter = eventFilter(eventFilters(queryFilters(ctx.query, EVENT_FILTER_KEYS)));
  const res = ctx.res!;
  // Headers go at once: a client waits for them before it shows anything, and there may be no event for a while.
  res.writeHead(200, { "Content-Type": "application/json" });
  res.flushHeaders();
  for await (const e of readEvents(ctx.engine().dirs.root, { since, until, filter, signal: ctx.signal })) {
    if (ctx.signal.aborted) break;
    res.write(`${JSON.stringify(wireEvent(e))}\n`);
  }
  res.end();
}

export function eventRoutes(r: Router): void {
  r.get("/events", events);
}
