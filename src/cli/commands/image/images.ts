import { displayParts, canonical, familiarName, parseReference } from "../../../image/reference.ts";
import type { ImageRecord } from "../../../image/store.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list, str } from "../../flags.ts";
import { ago, goTime, humanSize, renderTable, shortId } from "../../format.ts";
import { isDefaultFormat, loadTemplates } from "../../format-flag.ts";
import { writeOut } from "../../output.ts";
import { IMAGE_FILTER_KEYS, imageFilter } from "../../../engine/images-filter.ts";
import { Filters } from "../../../lib/filters.ts";

interface Row {
  id: string;
  repository: string;
  tag: string;
  digest: string;
  created: string;
  size: number;
}

/** Repository (canonical, without tag) -> digest, from the image's repo@digest names. */
function digestsByRepository(image: ImageRecord): Map<string, string> {
  const map = new Map<string, string>();
  for (const rd of image.repoDigests ?? []) {
    const at = rd.lastIndexOf("@");
    if (!map.has(rd.slice(0, at))) map.set(rd.slice(0, at), rd.slice(at + 1));
  }
  return map;
}

/**
 * An image's rows as docker lists them: one per tag, with the digest its repository was pulled by.
 * An untagged image shows the repositories it has digests in (tag <none>), or <none> <none>.
 */
function imageRows(image: ImageRecord, names: string[]): Row[] {
  const base = { id: image.id, created: image.created, size: image.size };
  const digests = digestsByRepository(image);
  if (image.names.length === 0) {
    if (digests.size === 0) return [{ ...base, repository: "<none>", tag: "<none>", digest: "<none>" }];
    return [...digests].map(([repo, digest]) => ({ ...base, repository: familiarName(parseReference(`${repo}@${digest}`)), tag: "<none>", digest }));
  }
  return names.map((n) => ({ ...base, ...displayParts(n), digest: digests.get(n.slice(0, n.lastIndexOf(":"))) ?? "<none>" }));
}

// Docker's column titles for images --format "table …".
const HEADERS = {
  Containers: "CONTAINERS",
  CreatedAt: "CREATED AT",
  CreatedSince: "CREATED",
  Digest: "DIGEST",
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  SharedSize: "SHARED SIZE",
  Size: "SIZE",
  Tag: "TAG",
  UniqueSize: "UNIQUE SIZE",
  VirtualSize: "SIZE",
};

/** Docker's image formatter fields, keys sorted as its --format json prints them; N/A where docker needs `system df` data. */
function formatRow(r: Row, id: string, now: number): Record<keyof typeof HEADERS, string> {
  const size = humanSize(r.size);
  return { Containers: "N/A", CreatedAt: goTime(r.created), CreatedSince: ago(r.created, now), Digest: r.digest, ID: id, Repository: r.repository, SharedSize: "N/A", Size: size, Tag: r.tag, UniqueSize: "N/A", VirtualSize: size };
}

export default defineBunkerCommand({
  name: "images",
  description: "List images",
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
    { name: "all", short: "a", type: "bool", description: "Show all images" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "digests", type: "bool", description: "Show digests" },
    { name: "filter", short: "f", type: "list", description: "Filter output based on conditions provided", valueHint: "filter" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
  ],
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const filters = imageFilter(Filters.parse(list(flags.filter), IMAGE_FILTER_KEYS, "images"), engine.images);
    const now = Date.now();
    const filter = positionals[0];
    // A tag is a colon after the last slash: in localhost:5000/img the colon belongs to the registry.
    const hasTag = filter !== undefined && filter.lastIndexOf(":") > filter.lastIndexOf("/");
    const wanted = filter === undefined ? undefined : hasTag ? canonical(parseReference(filter)) : canonical(parseReference(filter)).replace(/:latest$/, ":");
    const rows: Row[] = [];
    for (const image of engine.images.list()) {
      if (image.intermediate && !bool(flags.all)) continue;
      if (!filters.image(image)) continue;
      if (image.names.length === 0) {
        if (wanted === undefined && filters.name(undefined)) rows.push(...imageRows(image, []));
        continue;
      }
      const names = image.names.filter((n) => (wanted === undefined || (wanted.endsWith(":") ? n.startsWith(wanted) : n === wanted)) && filters.name(n));
      rows.push(...imageRows(image, names));
    }
    rows.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || a.repository.localeCompare(b.repository));
    const id = (r: Row) => (bool(flags["no-trunc"]) ? r.id : shortId(r.id));
    if (bool(flags.quiet)) {
      await writeOut([...new Set(rows.map(id))].map((i) => `${i}\n`).join(""));
      return;
    }
    const format = str(flags.format);
    if (format !== undefined && !isDefaultFormat(format)) {
      const { formatListing } = await loadTemplates();
      await writeOut(formatListing(format, { headers: HEADERS, rows: rows.map((r) => formatRow(r, id(r), now)) }));
      return;
    }
    const digests = bool(flags.digests);
    await writeOut(
      renderTable(
        ["REPOSITORY", "TAG", ...(digests ? ["DIGEST"] : []), "IMAGE ID", "CREATED", "SIZE"],
        rows.map((r) => [r.repository, r.tag, ...(digests ? [r.digest] : []), id(r), ago(r.created, now), humanSize(r.size)]),
      ),
    );
  },
});
