import type { VolumeRecord } from "../../../engine/volume-store.ts";
import { volumeUsers } from "../../../engine/volumes.ts";
import { UsageError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, list } from "../../flags.ts";
import { renderTable } from "../../format.ts";

type Filter = (v: VolumeRecord, inUse: boolean) => boolean;

/** docker's volume filters: name (substring), label (KEY or KEY=VALUE), dangling (not used by any container), driver. */
function parseFilter(spec: string): Filter {
  const i = spec.indexOf("=");
  const [key, value] = i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
  switch (key) {
    case "name":
      return (v) => v.Name.includes(value);
    case "driver":
      return (v) => v.Driver === value;
    case "label": {
      const j = value.indexOf("=");
      const [k, want] = j < 0 ? [value, undefined] : [value.slice(0, j), value.slice(j + 1)];
      return (v) => v.Labels !== null && k in v.Labels && (want === undefined || v.Labels[k] === want);
    }
    case "dangling": {
      if (!["true", "false", "1", "0"].includes(value)) throw new UsageError(`invalid filter 'dangling=${value}'`, "volume ls");
      const dangling = value === "true" || value === "1";
      return (_, inUse) => inUse !== dangling;
    }
    default:
      throw new UsageError(`invalid filter '${key}'`, "volume ls");
  }
}

export default defineBunkerCommand({
  name: "volume ls",
  description: "List volumes",
  usage: "[OPTIONS]",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only display volume names" },
    { name: "filter", short: "f", type: "list", description: "Provide filter values (e.g. 'dangling=true')", valueHint: "filter" },
  ],
  maxArgs: 0,
  run(ctx, { flags }) {
    const engine = ctx.engine();
    const filters = list(flags.filter).map(parseFilter);
    const users = filters.length > 0 ? volumeUsers(engine) : new Map<string, string[]>();
    const volumes = engine.volumes.list().filter((v) => filters.every((f) => f(v, users.has(v.Name))));
    if (bool(flags.quiet)) for (const v of volumes) console.log(v.Name);
    else process.stdout.write(renderTable(["DRIVER", "VOLUME NAME"], volumes.map((v) => [v.Driver, v.Name])));
  },
});
