import { CONTAINER_FILTER_KEYS, containerFilter } from "../../../engine/container-filter.ts";
import { containerCommand, containerStatus, listContainers } from "../../../engine/container-json.ts";
import type { ContainerRecord } from "../../../engine/container-store.ts";
import type { Engine } from "../../../engine/engine.ts";
import { Filters } from "../../../lib/filters.ts";
import type { PortMap } from "../../../network/ports.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, intValue, list, str } from "../../flags.ts";
import { ago, goTime, humanSize, labelHeader, labelList, renderTable } from "../../format.ts";
import { isDefaultFormat, loadTemplates } from "../../format-flag.ts";
import { writeOut } from "../../output.ts";

/** As the docker CLI shows dockerd's Command: cut to 20 characters unless --no-trunc, and double-quoted. */
export function commandText(c: ContainerRecord, noTrunc: boolean): string {
  const cmd = containerCommand(c);
  const text = noTrunc || cmd.length <= 20 ? cmd : `${cmd.slice(0, 19)}…`;
  return `"${text}"`;
}

/** CREATED as the docker CLI shows it: from the API's Created, which has whole seconds. */
function createdAgo(c: ContainerRecord, now: number): string {
  return ago(new Date(Math.floor(Date.parse(c.Created) / 1000) * 1000).toISOString(), now);
}

// Docker's column titles for ps --format "table …".
const HEADERS = {
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  ID: "CONTAINER ID",
  Image: "IMAGE",
  Label: labelHeader,
  Labels: "LABELS",
  LocalVolumes: "LOCAL VOLUMES",
  Mounts: "MOUNTS",
  Names: "NAMES",
  Networks: "NETWORKS",
  Ports: "PORTS",
  RunningFor: "CREATED",
  Size: "SIZE",
  State: "STATE",
  Status: "STATUS",
};

/** docker's PORTS column: "0.0.0.0:8080->80/tcp", or "80/tcp" for a port exposed but not published. */
function portsText(ports: PortMap): string {
  return Object.entries(ports)
    .flatMap(([key, bindings]) => (bindings && bindings.length > 0 ? bindings.map((b) => `${b.HostIp}:${b.HostPort}->${key}`) : [key]))
    .join(", ");
}

/** Docker's container formatter fields (keys sorted, as its --format json prints them); Label is its method. */
function formatRow(c: ContainerRecord, id: string, noTrunc: boolean, now: number, size: string) {
  const labels = c.Config.Labels ?? {};
  const row = {
    Command: commandText(c, noTrunc),
    CreatedAt: goTime(c.Created),
    ID: id,
    Image: c.Config.Image,
    Labels: labelList(labels),
    LocalVolumes: String(c.Mounts.filter((m) => m.Type === "volume").length),
    // Docker names a volume mount by its volume and a bind by its source, cut to 15 characters unless --no-trunc.
    Mounts: c.Mounts.map((m) => m.Name ?? m.Source)
      .map((n) => (noTrunc || n.length <= 15 ? n : `${n.slice(0, 14)}…`))
      .join(","),
    Names: c.Name.slice(1),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(","),
    Ports: portsText(c.NetworkSettings?.Ports ?? {}),
    RunningFor: createdAgo(c, now),
    Size: size,
    State: c.State.Status,
    Status: containerStatus(c, now),
  };
  return Object.assign(row, { Label: (key: string) => labels[key] ?? "" });
}

/** Docker's SIZE: "12B (virtual 4.26MB)", the writable layer and that plus the image. */
async function sizeText(engine: Engine): Promise<(c: ContainerRecord) => string> {
  const { containerSizes } = await import("../../../engine/container-size.ts");
  return (c) => {
    const { SizeRw, SizeRootFs } = containerSizes(engine, c);
    return `${humanSize(SizeRw)} (virtual ${humanSize(SizeRootFs)})`;
  };
}

export default defineBunkerCommand({
  name: "ps",
  description: "List containers",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Show all containers (default shows just running)" },
    { name: "filter", short: "f", type: "list", description: "Filter output based on conditions provided", valueHint: "filter" },
    { name: "format", type: "string", description: "Format output using a Go template, 'table TEMPLATE' or 'json'", valueHint: "string" },
    { name: "last", short: "n", type: "string", description: "Show n last created containers (includes all states) (default -1)", valueHint: "int" },
    { name: "latest", short: "l", type: "bool", description: "Show the latest created container (includes all states)" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  ],
  maxArgs: 0,
  async run(ctx, { flags }) {
    const engine = ctx.engine();
    const now = Date.now();
    const noTrunc = bool(flags["no-trunc"]);
    const filter = flags.filter ? containerFilter(engine, Filters.parse(list(flags.filter), CONTAINER_FILTER_KEYS, "ps")) : undefined;
    // As docker: -n N and -l (N = 1) take the newest of all containers, whatever their state.
    const last = bool(flags.latest) ? 1 : (intValue(flags.last, "--last") ?? -1);
    const containers = await listContainers(engine, { all: bool(flags.all), last, filter });
    const id = (c: ContainerRecord) => (noTrunc ? c.Id : c.Id.slice(0, 12));
    if (bool(flags.quiet)) {
      await writeOut(containers.map((c) => `${id(c)}\n`).join(""));
      return;
    }
    const format = str(flags.format);
    // As docker: a template that shows .Size asks for the sizes too.
    const sized = bool(flags.size) || (format?.includes(".Size") ?? false);
    const sizeOf = sized ? await sizeText(engine) : () => "0B";
    if (format !== undefined && !isDefaultFormat(format)) {
      const { formatListing } = await loadTemplates();
      await writeOut(formatListing(format, { headers: HEADERS, rows: containers.map((c) => formatRow(c, id(c), noTrunc, now, sizeOf(c))) }));
      return;
    }
    const rows = containers.map((c) => [id(c), c.Config.Image, commandText(c, noTrunc), createdAgo(c, now), containerStatus(c, now), portsText(c.NetworkSettings?.Ports ?? {}), c.Name.slice(1), ...(sized ? [sizeOf(c)] : [])]);
    await writeOut(renderTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", ...(sized ? ["SIZE"] : [])], rows));
  },
});
