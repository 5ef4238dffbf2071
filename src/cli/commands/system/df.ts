import { displayParts } from "../../../image/reference.ts";
import { type StoreUsage, storeUsage, type Summary } from "../../../engine/store-usage.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { ago, humanSize, renderTable, shortId } from "../../format.ts";
import { isDefaultFormat, loadTemplates } from "../../format-flag.ts";

// Docker's column titles for system df --format "table …".
const HEADERS = { Type: "TYPE", TotalCount: "TOTAL", Active: "ACTIVE", Size: "SIZE", Reclaimable: "RECLAIMABLE" };
import { containerStatus } from "../../../engine/container-json.ts";
import { commandText } from "../container/ps.ts";

/** docker's "1.2MB (40%)"; the build cache gets no percentage. */
function reclaimable(s: Summary, percent: boolean): string {
  const size = humanSize(s.reclaimable);
  return percent && s.size > 0 ? `${size} (${Math.floor((s.reclaimable * 100) / s.size)}%)` : size;
}

/** The summary rows, with docker's field names (its --format names them so too). */
function summaryRows(u: StoreUsage) {
  const row = (Type: string, s: Summary, percent = true) => ({ Type, TotalCount: String(s.total), Active: String(s.active), Size: humanSize(s.size), Reclaimable: reclaimable(s, percent) });
  return [row("Images", u.images), row("Containers", u.containers), row("Local Volumes", u.volumes), row("Build Cache", u.buildCache, false)];
}

function verbose(u: StoreUsage, now: number): string {
  const images = u.images.items.flatMap(({ image, size, shared, containers }) =>
    (image.names.length > 0 ? image.names.map(displayParts) : [{ repository: "<none>", tag: "<none>" }]).map((n) => [
      n.repository,
      n.tag,
      shortId(image.id),
      ago(image.created, now),
      humanSize(size),
      humanSize(shared),
      humanSize(size - shared),
      String(containers),
    ]),
  );
  const containers = u.containers.items.map(({ record: c, size }) => [
    c.Id.slice(0, 12),
    c.Config.Image,
    commandText(c, false),
    String(c.Mounts.filter((m) => m.Type === "volume").length),
    humanSize(size),
    ago(c.Created, now),
    containerStatus(c, now),
    c.Name.slice(1),
  ]);
  const volumes = u.volumes.items.map(({ volume, links, size }) => [volume.Name, String(links), humanSize(size)]);
  const cache = u.buildCache.items.map((o) => [o.id.slice(0, 25), "regular", humanSize(o.size), ago(o.created, now), ago(o.lastUsed, now), "0", "false"]);
  return [
    "Images space usage:\n\n",
    renderTable(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS"], images),
    "\nContainers space usage:\n\n",
    renderTable(["CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES"], containers),
    "\nLocal Volumes space usage:\n\n",
    renderTable(["VOLUME NAME", "LINKS", "SIZE"], volumes),
    `\nBuild cache usage: ${humanSize(u.buildCache.size)}\n\n`,
    renderTable(["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED"], cache),
  ].join("");
}

export default defineBunkerCommand({
  name: "system df",
  description: "Show bunker disk usage",
  usage: "[OPTIONS]",
  flags: [
    { name: "verbose", short: "v", type: "bool", description: "Show detailed information on space usage" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const usage = storeUsage(ctx.engine());
    const rows = summaryRows(usage);
    const format = str(flags.format);
    if (format !== undefined && !isDefaultFormat(format)) process.stdout.write((await loadTemplates()).formatListing(format, { headers: HEADERS, rows }));
    else if (bool(flags.verbose)) process.stdout.write(verbose(usage, Date.now()));
    else process.stdout.write(renderTable(["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], rows.map((r) => [r.Type, r.TotalCount, r.Active, r.Size, r.Reclaimable])));
  },
});
