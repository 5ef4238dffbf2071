import { Filters } from "../../../lib/filters.ts";
import { listNetworks, NETWORK_FILTERS } from "../../../engine/networks.ts";
import type { NetworkRecord } from "../../../network/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list, str } from "../../flags.ts";
import { naturalCompare, renderTable } from "../../format.ts";
import { formatListing, isDefaultFormat } from "../../template/index.ts";

// Docker's network formatter fields and their column titles for --format "table …".
const HEADERS = { CreatedAt: "CREATED AT", Driver: "DRIVER", ID: "NETWORK ID", IPv6: "IPV6", Internal: "INTERNAL", Labels: "LABELS", Name: "NAME", Scope: "SCOPE" };

function formatRow(n: NetworkRecord, id: string): Record<keyof typeof HEADERS, string> {
  return {
    CreatedAt: n.Created,
    Driver: n.Driver,
    ID: id,
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
    Name: n.Name,
    Scope: n.Scope,
  };
}

export default defineBunkerCommand({
  name: "network ls",
  description: "List networks",
  usage: "[OPTIONS]",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only display network IDs" },
    { name: "no-trunc", type: "bool", description: "Do not truncate the output" },
    { name: "filter", short: "f", type: "list", description: "Provide filter values (e.g. 'driver=bridge')", valueHint: "filter" },
    { name: "format", type: "string", description: "Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')", valueHint: "string" },
  ],
  maxArgs: 0,
  run(ctx, { flags }) {
    // Sorted by name, as the docker CLI sorts what its daemon lists.
    const networks = listNetworks(ctx.engine(), Filters.parse(list(flags.filter), NETWORK_FILTERS, "network ls")).sort((a, b) => naturalCompare(a.Name, b.Name));
    const id = (n: NetworkRecord) => (bool(flags["no-trunc"]) ? n.Id : n.Id.slice(0, 12));
    const format = str(flags.format);
    if (bool(flags.quiet)) for (const n of networks) console.log(id(n));
    else if (format !== undefined && !isDefaultFormat(format)) process.stdout.write(formatListing(format, { headers: HEADERS, rows: networks.map((n) => formatRow(n, id(n))) }));
    else process.stdout.write(renderTable(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], networks.map((n) => [id(n), n.Name, n.Driver, n.Scope])));
  },
});
