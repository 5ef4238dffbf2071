import type { VolumeRecord } from "../../../engine/volume-store.ts";
import { listVolumes, VOLUME_FILTERS } from "../../../engine/volumes.ts";
import { defineBunkerCommand } from "../../command.ts";
import { Filters } from "../../../lib/filters.ts";
import { bool, list, str } from "../../flags.ts";
import { labelHeader, labelList, renderTable } from "../../format.ts";
import { isDefaultFormat, loadTemplates } from "../../format-flag.ts";
import { writeOut } from "../../output.ts";

// Docker's column titles for volume ls --format "table …".
const HEADERS = {
  Availability: "AVAILABILITY",
  Driver: "DRIVER",
  Group: "GROUP",
  Label: labelHeader,
  Labels: "LABELS",
  Links: "LINKS",
  Mountpoint: "MOUNTPOINT",
  Name: "VOLUME NAME",
  Scope: "SCOPE",
  Size: "SIZE",
  Status: "STATUS",
};

/** Docker's volume formatter fields, keys sorted as its --format json prints them; N/A where docker needs `system df` or a cluster. */
function formatRow(v: VolumeRecord) {
  const labels = v.Labels ?? {};
  const row = {
    Availability: "N/A",
    Driver: v.Driver,
    Group: "N/A",
    Labels: labelList(labels),
    Links: "N/A",
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope,
    Size: "N/A",
    Status: "N/A",
  };
  return Object.assign(row, { Label: (key: string) => labels[key] ?? "" });
}

export default defineBunkerCommand({
  name: "volume ls",
  description: "List volumes",
  usage: "[OPTIONS]",
  flags: [
    { name: "filter", short: "f", type: "list", description: "Provide filter values (e.g. 'dangling=true')", valueHint: "filter" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
    { name: "quiet", short: "q", type: "bool", description: "Only display volume names" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const volumes = listVolumes(ctx.engine(), Filters.parse(list(flags.filter), VOLUME_FILTERS, "volume ls"));
    const format = str(flags.format);
    if (bool(flags.quiet)) await writeOut(volumes.map((v) => `${v.Name}\n`).join(""));
    else if (format !== undefined && !isDefaultFormat(format)) await writeOut((await loadTemplates()).formatListing(format, { headers: HEADERS, rows: volumes.map(formatRow) }));
    else await writeOut(renderTable(["DRIVER", "VOLUME NAME"], volumes.map((v) => [v.Driver, v.Name])));
  },
});
