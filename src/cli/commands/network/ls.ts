import { networkStore } from "../../../engine/container-network.ts";
import { UsageError } from "../../../lib/errors.ts";
import type { NetworkRecord } from "../../../network/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list, str } from "../../flags.ts";
import { renderTable } from "../../format.ts";
import { formatListing, isDefaultFormat } from "../../template/index.ts";

/** docker's network filters: name and id (substring, prefix), driver, type (builtin|custom), label (KEY or KEY=VALUE). */
function parseFilter(spec: string): (n: NetworkRecord) => boolean {
  const i = spec.indexOf("=");
  const [key, value] = i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
  switch (key) {
    case "name":
      return (n) => n.Name.includes(value);
    case "id":
      return (n) => n.Id.startsWith(value);
    case "driver":
      return (n) => n.Driver === value;
    case "type":
      return (n) => (value === "builtin") === n.Created.startsWith("0001");
    case "label": {
      const j = value.indexOf("=");
      const [k, want] = j < 0 ? [value, undefined] : [value.slice(0, j), value.slice(j + 1)];
      return (n) => k in n.Labels && (want === undefined || n.Labels[k] === want);
    }
    default:
      throw new UsageError(`invalid filter '${key}'`, "network ls");
  }
}

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
    const filters = list(flags.filter).map(parseFilter);
    const networks = networkStore(ctx.engine())
      .list()
      .filter((n) => filters.every((f) => f(n)));
    const id = (n: NetworkRecord) => (bool(flags["no-trunc"]) ? n.Id : n.Id.slice(0, 12));
    const format = str(flags.format);
    if (bool(flags.quiet)) for (const n of networks) console.log(id(n));
    else if (format !== undefined && !isDefaultFormat(format)) process.stdout.write(formatListing(format, { headers: HEADERS, rows: networks.map((n) => formatRow(n, id(n))) }));
    else process.stdout.write(renderTable(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], networks.map((n) => [id(n), n.Name, n.Driver, n.Scope])));
  },
});
