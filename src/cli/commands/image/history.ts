import { type HistoryRow, imageHistory } from "../../../engine/image-history.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { ago, humanSize, renderTable, shortId } from "../../format.ts";
import { isDefaultFormat, loadTemplates } from "../../format-flag.ts";

/** Docker's formatter.Ellipsis: cut to `width` characters, the last one an ellipsis. */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join("")}…`;
}

/** Go's time.RFC3339 in local time, as `-H=false` prints it: 2024-05-01T12:00:00Z or …+02:00. */
export function rfc3339(iso: string): string {
  const d = new Date(iso);
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

// Docker's column titles for history --format "table …".
const HEADERS = { Comment: "COMMENT", CreatedAt: "CREATED AT", CreatedBy: "CREATED BY", CreatedSince: "CREATED", ID: "IMAGE", Size: "SIZE" };

const known = (iso: string | undefined) => iso !== undefined && !Number.isNaN(Date.parse(iso)) && Date.parse(iso) > 0;

export default defineBunkerCommand({
  name: "history",
  description: "Show the history of an image",
  usage: "[OPTIONS] IMAGE",
  flags: [
    { name: "human", short: "H", type: "bool", description: "Print sizes and dates in human readable format (default true)" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const rows = imageHistory(ctx.engine().images, positionals[0]);
    const trunc = !bool(flags["no-trunc"]);
    const human = flags.human !== false; // -H defaults to true; only -H=false turns it off
    const id = (r: HistoryRow) => (trunc && r.id.startsWith("sha256:") ? shortId(r.id) : r.id);
    if (bool(flags.quiet)) {
      process.stdout.write(rows.map((r) => `${id(r)}\n`).join(""));
      return;
    }
    const now = Date.now();
    const created = (r: HistoryRow) => {
      if (!known(r.created)) return human ? "N/A" : "";
      return human ? ago(r.created as string, now) : rfc3339(r.created as string);
    };
    const createdBy = (r: HistoryRow) => (trunc ? ellipsis(r.createdBy.replaceAll("\t", " "), 45) : r.createdBy.replaceAll("\t", " "));
    const size = (r: HistoryRow) => (human ? humanSize(r.size) : String(r.size));
    const format = str(flags.format);
    if (format !== undefined && !isDefaultFormat(format)) {
      // Docker's history formatter fields, keys sorted as its --format json prints them.
      const fields = (r: HistoryRow) => ({ Comment: r.comment, CreatedAt: known(r.created) ? rfc3339(r.created as string) : "", CreatedBy: createdBy(r), CreatedSince: created(r), ID: id(r), Size: size(r) });
      const { formatListing } = await loadTemplates();
      process.stdout.write(formatListing(format, { headers: HEADERS, rows: rows.map(fields) }));
      return;
    }
    process.stdout.write(
      renderTable(
        ["IMAGE", human ? "CREATED" : "CREATED AT", "CREATED BY", "SIZE", "COMMENT"],
        rows.map((r) => [id(r), created(r), createdBy(r), size(r), r.comment]),
      ),
    );
  },
});
