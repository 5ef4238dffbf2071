// `events` / `system events`: the journal (src/events/) as docker prints it.
// Without --until it follows, printing each event as it is written, until
// interrupted; with --until it stops at that time.
import { type EventMessage, wireEvent } from "../../../events/event.ts";
import { EVENT_FILTER_KEYS, eventFilter, eventFilters } from "../../../events/filter.ts";
import { readEvents } from "../../../events/read.ts";
import { parseLogTime } from "../../../engine/log-time.ts";
import { writeOutput } from "../../../lib/write-all.ts";
import { defineBunkerCommand } from "../../command.ts";
import { Filters } from "../../../lib/filters.ts";
import { list, str } from "../../flags.ts";
import { loadTemplates } from "../../format-flag.ts";

/** Go's RFC3339NanoFixed in the local time zone, as docker's client prints an event's time. */
function localNanoFixed(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const offset = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const zone = offset === 0 ? "Z" : `${offset < 0 ? "-" : "+"}${String(Math.trunc(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")}`;
  return `${local}.${String(ns % 1_000_000_000n).padStart(9, "0")}${zone}`;
}

/** docker's prettyPrintEvent: time, type, action, actor, and the attributes sorted in parentheses. */
function prettyLine(e: EventMessage): string {
  const attrs = Object.keys(e.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  return `${localNanoFixed(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs.length ? ` (${attrs.join(", ")})` : ""}\n`;
}

/** The message as a Go template sees it (its Go field names); `json` gives the wire form. */
function templateData(e: EventMessage): object {
  const data = { Status: e.status, ID: e.id, From: e.from, Type: e.Type, Action: e.Action, Actor: e.Actor, Scope: e.scope, Time: e.time, TimeNano: e.timeNano };
  Object.defineProperty(data, "toJSON", { value: () => wireEvent(e) });
  return data;
}

async function printer(format: string | undefined): Promise<(e: EventMessage) => string> {
  if (!format) return prettyLine;
  const { compile, renderTemplate } = await loadTemplates();
  const template = compile(format === "json" ? "{{json .}}" : format);
  return (e) => `${renderTemplate(template, templateData(e))}\n`;
}

export default defineBunkerCommand({
  name: "events",
  description: "Get real time events from the server",
  usage: "[OPTIONS]",
  flags: [
    { name: "filter", short: "f", type: "list", description: "Filter output based on conditions provided", valueHint: "filter" },
    { name: "format", type: "string", description: "Format output using a custom template: 'json', or a Go template", valueHint: "string" },
    { name: "since", type: "string", description: "Show all events created since timestamp", valueHint: "string" },
    { name: "until", type: "string", description: "Stream events until this timestamp", valueHint: "string" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const since = str(flags.since);
    const until = str(flags.until);
    const filter = eventFilter(eventFilters(Filters.parse(list(flags.filter), EVENT_FILTER_KEYS, "events")));
    const print = await printer(str(flags.format));
    const events = readEvents(ctx.dirs.root, {
      since: since ? parseLogTime(since, "since") : undefined,
      until: until ? parseLogTime(until, "until") : undefined,
      filter,
    });
    for await (const e of events) writeOutput(1, Buffer.from(print(e)));
  },
});
