import { type ContainerStats, containerStats, type StatsSample, sample } from "../../../engine/container-stats.ts";
import type { LoadedRecord } from "../../../engine/container-store.ts";
import type { Engine } from "../../../engine/engine.ts";
import { refreshState } from "../../../engine/start-container.ts";
import { NotFoundError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { bool, str } from "../../flags.ts";
import { bytesSize, humanSize, renderTable } from "../../format.ts";
import { checkListingFormat, formatListing, isDefaultFormat } from "../../template/index.ts";

// Docker's stats formatter fields and their column titles for --format "table …".
const HEADERS = {
  BlockIO: "BLOCK I/O",
  CPUPerc: "CPU %",
  Container: "CONTAINER",
  ID: "CONTAINER ID",
  MemPerc: "MEM %",
  MemUsage: "MEM USAGE / LIMIT",
  Name: "NAME",
  NetIO: "NET I/O",
  PIDs: "PIDS",
};
const DEFAULT_COLUMNS: (keyof typeof HEADERS)[] = ["ID", "Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs"];
// Clear the screen and home the cursor, as docker redraws on a terminal.
const REDRAW = "\x1b[2J\x1b[H";
const INTERVAL_MS = 1000;

/** One container's fields, keys sorted as docker's --format json prints them: memory in binary units, block and network I/O in decimal ones. */
function statsFields(s: ContainerStats, noTrunc: boolean): Record<keyof typeof HEADERS, string> {
  const id = noTrunc ? s.id : s.id.slice(0, 12);
  return {
    BlockIO: `${humanSize(s.blockRead)} / ${humanSize(s.blockWrite)}`,
    CPUPerc: `${s.cpuPercent.toFixed(2)}%`,
    Container: id,
    ID: id,
    MemPerc: `${s.memoryPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(s.memoryUsage)} / ${bytesSize(s.memoryLimit)}`,
    Name: s.name,
    NetIO: `${humanSize(s.netReceived)} / ${humanSize(s.netSent)}`,
    PIDs: String(s.pids),
  };
}

/** Docker's default stats table, or the --format output. */
export function statsTable(stats: ContainerStats[], noTrunc: boolean, format?: string): string {
  const rows = stats.map((s) => statsFields(s, noTrunc));
  if (format !== undefined && !isDefaultFormat(format)) return formatListing(format, { headers: HEADERS, rows });
  return renderTable(
    DEFAULT_COLUMNS.map((c) => HEADERS[c]),
    rows.map((r) => DEFAULT_COLUMNS.map((c) => r[c])),
  );
}

/** The containers to show, re-read at every refresh: named ones in the order given (gone ones dropped), else running ones (-a: all), newest first. */
function containers(engine: Engine, ids: string[] | undefined, all: boolean): LoadedRecord[] {
  if (ids) {
    return ids.flatMap((id) => {
      try {
        return [refreshState(engine, engine.containers.load(id))];
      } catch (e) {
        if (e instanceof NotFoundError) return [];
        throw e;
      }
    });
  }
  return engine.containers
    .list()
    .map((c) => refreshState(engine, c))
    .filter((c) => all || c.State.Running)
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
}

export default defineBunkerCommand({
  name: "stats",
  description: "Display a live stream of container(s) resource usage statistics",
  usage: "[OPTIONS] [CONTAINER...]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Show all containers (default shows just running)" },
    { name: "no-stream", type: "bool", description: "Disable streaming stats and only pull the first result" },
    { name: "no-trunc", type: "bool", description: "Do not truncate output" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
  ],
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const format = str(flags.format);
    // A bad template fails before the first interval, not after it.
    if (format !== undefined && !isDefaultFormat(format)) checkListingFormat(format);
    let ids: string[] | undefined;
    if (positionals.length > 0) {
      ids = [];
      const found = ids;
      if ((await eachArgument(positionals, (ref) => void found.push(engine.containers.resolve(ref)))) !== 0) return 1;
    }
    const noStream = bool(flags["no-stream"]);
    const tty = process.stdout.isTTY === true;
    let records = containers(engine, ids, bool(flags.all));
    let before = new Map<string, StatsSample>(records.map((c) => [c.Id, sample(c)]));
    // Until ctrl-C (the default SIGINT exit) unless --no-stream; a non-terminal gets one table after another.
    for (;;) {
      if (records.length > 0 || !noStream) await Bun.sleep(INTERVAL_MS);
      records = containers(engine, ids, bool(flags.all));
      const after = new Map<string, StatsSample>(records.map((c) => [c.Id, sample(c)]));
      const stats = records.map((c) => {
        const now = after.get(c.Id) as StatsSample;
        return containerStats(c, before.get(c.Id) ?? now, now);
      });
      process.stdout.write(`${tty && !noStream ? REDRAW : ""}${statsTable(stats, bool(flags["no-trunc"]), format)}`);
      if (noStream) return 0;
      before = after;
    }
  },
});
