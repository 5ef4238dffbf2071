import { networkStore } from "../../../engine/container-network.ts";
import { UsageError } from "../../../lib/errors.ts";
import type { NetworkRecord } from "../../../network/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list } from "../../flags.ts";
import { renderTable } from "../../format.ts";

/** docker's network filters: name and id (substring, prefix), driver, type (builtin|custom). */
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
    default:
      throw new UsageError(`invalid filter '${key}'`, "network ls");
  }
}

export default defineBunkerCommand({
  name: "network ls",
  description: "List networks",
  usage: "[OPTIONS]",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only display network IDs" },
    { name: "no-trunc", type: "bool", description: "Do not truncate the output" },
    { name: "filter", short: "f", type: "list", description: "Provide filter values (e.g. 'driver=bridge')", valueHint: "filter" },
  ],
  maxArgs: 0,
  run(ctx, { flags }) {
    const filters = list(flags.filter).map(parseFilter);
    const networks = networkStore(ctx.engine())
      .list()
      .filter((n) => filters.every((f) => f(n)));
    const id = (n: NetworkRecord) => (bool(flags["no-trunc"]) ? n.Id : n.Id.slice(0, 12));
    if (bool(flags.quiet)) for (const n of networks) console.log(id(n));
    else process.stdout.write(renderTable(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], networks.map((n) => [id(n), n.Name, n.Driver, n.Scope])));
  },
});
