import { refreshState } from "../../../engine/start-container.ts";
import type { ContainerRecord } from "../../../engine/container-store.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { ago, humanDuration, renderTable } from "../../format.ts";

function statusText(c: ContainerRecord, now: number): string {
  const s = c.State;
  if (s.Status === "running") return `Up ${humanDuration(now - Date.parse(s.StartedAt))}`;
  if (s.Status === "exited") return `Exited (${s.ExitCode}) ${ago(s.FinishedAt, now)}`;
  if (s.Status === "created") return "Created";
  return s.Status[0].toUpperCase() + s.Status.slice(1);
}

/** As docker: arguments with spaces are single-quoted, then the whole is cut to 20 characters and double-quoted. */
function commandText(c: ContainerRecord, noTrunc: boolean): string {
  const cmd = [c.Path, ...c.Args.map((a) => (a.includes(" ") ? `'${a}'` : a))].join(" ");
  const text = noTrunc || cmd.length <= 20 ? cmd : `${cmd.slice(0, 19)}…`;
  return `"${text}"`;
}

export default defineBunkerCommand({
  name: "ps",
  description: "List containers",
  usage: "[OPTIONS]",
  flags: [
    { name: "all", short: "a", type: "bool", description: "Show all containers (default shows just running)" },
    { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  ],
  maxArgs: 0,
  run(ctx, { flags }) {
    const engine = ctx.engine();
    const now = Date.now();
    const noTrunc = bool(flags["no-trunc"]);
    const containers = engine.containers
      .list()
      .map((c) => refreshState(engine, c))
      .filter((c) => bool(flags.all) || c.State.Status === "running")
      .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    const id = (c: ContainerRecord) => (noTrunc ? c.Id : c.Id.slice(0, 12));
    if (bool(flags.quiet)) {
      process.stdout.write(containers.map((c) => `${id(c)}\n`).join(""));
      return;
    }
    const rows = containers.map((c) => [id(c), c.Config.Image, commandText(c, noTrunc), ago(c.Created, now), statusText(c, now), "", c.Name.slice(1)]);
    process.stdout.write(renderTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], rows));
  },
});
