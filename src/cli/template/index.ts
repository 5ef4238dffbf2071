// docker's --format: a Go template, "table TEMPLATE" (a header row and aligned
// columns) or "json" (one compact object per line).
import { renderTable } from "../format.ts";
import { execute } from "./exec.ts";
import { HEADER_FUNCS } from "./funcs.ts";
import { parse, type Template } from "./parser.ts";

export { TemplateError } from "./error.ts";
export type { Template };

/** Parses once, before any output, so a bad template prints nothing but its error. */
export function compile(format: string): Template {
  // As docker: the two-character escapes \t and \n typed in a shell become real ones.
  return parse(format.replaceAll("\\t", "\t").replaceAll("\\n", "\n"));
}

export function renderTemplate(format: string | Template, data: unknown): string {
  return execute(typeof format === "string" ? compile(format) : format, data);
}

export interface Listing {
  /**
   * Docker's column title per field, e.g. ID -> "CONTAINER ID": the header row renders the template over
   * these, so a method of the rows (ps's .Label "k") needs one here too.
   */
  headers: Record<string, string | ((...args: string[]) => string)>;
  rows: object[];
}

export { isDefaultFormat } from "../format-flag.ts";

/** "json" needs no template; "table " is split off the one to parse. */
function listingTemplate(format: string): { table: boolean; t?: Template } {
  if (format === "json") return { table: false };
  const table = format.startsWith("table ");
  return { table, t: compile(table ? format.slice("table ".length) : format) };
}

/** Fails (exit 64) on a bad listing format before a command that streams has printed anything. */
export function checkListingFormat(format: string): void {
  listingTemplate(format);
}

/** The output of a listing command for a non-default --format. */
export function formatListing(format: string, { headers, rows }: Listing): string {
  const { table, t } = listingTemplate(format);
  if (!t) return rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  const lines = rows.map((r) => execute(t, r));
  if (!table) return lines.map((l) => `${l}\n`).join("");
  const header = execute(t, headers, HEADER_FUNCS);
  const cells = (text: string) => text.split("\n").map((l) => l.split("\t"));
  const [head, ...headExtra] = cells(header);
  return renderTable(head, [...headExtra, ...lines.flatMap(cells)]);
}
