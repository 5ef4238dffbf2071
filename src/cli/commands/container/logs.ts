import { containerLogs } from "../../../engine/container-logs.ts";
import { formatNanoFixed, type LogEntry } from "../../../engine/json-log.ts";
import { parseLogTime } from "../../../engine/log-time.ts";
import { writeOutput } from "../../../lib/write-all.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool, str } from "../../flags.ts";

/** As docker's daemon: a number of lines; "all", a negative number or anything else is everything. */
function tailLines(value: string | undefined): number | undefined {
  return value !== undefined && /^\+?\d+$/.test(value) ? Number(value) : undefined;
}

/** Go's url.QueryEscape, which docker uses for --details. */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** docker's --details prefix: the entry's attributes (sorted, k=v,…) and a space, even when there are none. */
function details(attrs: Record<string, string> | undefined): string {
  const pairs = Object.keys(attrs ?? {})
    .sort()
    .map((k) => `${queryEscape(k)}=${queryEscape((attrs as Record<string, string>)[k])}`);
  return `${pairs.join(",")} `;
}

export default defineBunkerCommand({
  name: "logs",
  description: "Fetch the logs of a container",
  usage: "[OPTIONS] CONTAINER",
  flags: [
    { name: "details", type: "bool", description: "Show extra details provided to logs" },
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    { name: "since", type: "string", description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)', valueHint: "string" },
    { name: "tail", short: "n", type: "string", description: 'Number of lines to show from the end of the logs (default "all")', valueHint: "string" },
    { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
    { name: "until", type: "string", description: 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)', valueHint: "string" },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, { flags, positionals }) {
    const since = str(flags.since);
    const until = str(flags.until);
    const opts = {
      follow: bool(flags.follow),
      tail: tailLines(str(flags.tail)),
      // As docker's daemon: since 0 is the epoch (everything), until 0 is no limit.
      since: since ? parseLogTime(since, "since") : undefined,
      until: until && until !== "0" ? parseLogTime(until, "until") : undefined,
    };
    const timestamps = bool(flags.timestamps);
    const withDetails = bool(flags.details);
    const emit = (line: LogEntry) => {
      const prefix = `${timestamps ? `${formatNanoFixed(line.time)} ` : ""}${withDetails ? details(line.attrs) : ""}`;
      writeOutput(line.stream === "stderr" ? 2 : 1, Buffer.from(prefix + line.log));
    };
    const engine = ctx.engine();
    return eachArgument(positionals, (ref) => containerLogs(engine, engine.containers.resolve(ref), opts, emit));
  },
});
