// Docker's human output: tabwriter tables, "2 minutes ago", "4.26MB".

/** Like Go's tabwriter as docker configures it (min width 10, padding 3); the last column is not padded. */
export function renderTable(headers: string[], rows: string[][], minWidth = 10): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(minWidth, ...all.map((r) => (r[i] ?? "").length + 3)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("").trimEnd() + "\n").join("");
}

// Docker's units.HumanDuration lives below the engine, which writes the API's Status text with it.
export { humanDuration } from "../lib/human-duration.ts";
import { humanDuration } from "../lib/human-duration.ts";

export function ago(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

/** Docker's units.HumanSizeWithPrecision(size, 3): decimal units. */
export function humanSize(bytes: number): string {
  return customSize(bytes, 1000, ["B", "kB", "MB", "GB", "TB", "PB"], 3);
}

/** Docker's units.BytesSize: binary units, four significant digits ("1.5MiB", "128MiB"). */
export function bytesSize(bytes: number): string {
  return customSize(bytes, 1024, ["B", "KiB", "MiB", "GiB", "TiB", "PiB"], 4);
}

/** go-units CustomSize with "%.Ng": divide while the value reaches the base, then N significant digits. */
function customSize(bytes: number, base: number, units: string[], precision: number): string {
  let i = 0;
  let v = bytes;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${Number(v.toPrecision(precision))}${units[i]}`;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

/** Go's time.Time.String() in local time, as docker's --format prints CreatedAt: "2024-05-01 12:00:00 +0000 UTC". */
export function goTime(iso: string): string {
  const d = new Date(iso);
  const offset = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offset * 60_000).toISOString();
  const abs = Math.abs(offset);
  const hhmm = `${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
  // Go names the zone by its abbreviation; without tz data here, UTC or the offset as Go shows unnamed zones.
  const zone = offset === 0 ? "UTC" : hhmm.slice(0, abs % 60 === 0 ? 3 : 5);
  return `${local.slice(0, 10)} ${local.slice(11, 19)} ${hhmm} ${zone}`;
}

/** A formatter's .Labels: "k=v" pairs sorted by key, comma-separated. */
export function labelList(labels: Record<string, string> | null): string {
  const all = labels ?? {};
  return Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`)
    .join(",");
}

/** A table's title for .Label "com.example.some-key", as docker's: "some key". */
export const labelHeader = (key: string) => (key.split(".").pop() as string).replace(/[-_]/g, " ");

/** sortorder.NaturalLess, as docker sorts its output: digit runs compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.split(/(\d+)/);
  const tb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    if (ta[i] === tb[i]) continue;
    const numeric = i % 2 === 1; // split with a capture group puts the digit runs at odd indexes
    if (numeric && Number(ta[i]) !== Number(tb[i])) return Number(ta[i]) - Number(tb[i]);
    return ta[i] < tb[i] ? -1 : 1;
  }
  return ta.length - tb.length;
}
