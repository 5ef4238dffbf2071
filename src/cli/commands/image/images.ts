import { displayParts, canonical, parseReference } from "../../../image/reference.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool } from "../../flags.ts";
import { ago, humanSize, renderTable, shortId } from "../../format.ts";

export default defineBunkerCommand({
  name: "images",
  description: "List images",
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  flags: [
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
    { name: "all", short: "a", type: "bool", description: "Show all images" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  ],
  maxArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const now = Date.now();
    const filter = positionals[0];
    // A tag is a colon after the last slash: in localhost:5000/img the colon belongs to the registry.
    const hasTag = filter !== undefined && filter.lastIndexOf(":") > filter.lastIndexOf("/");
    const wanted = filter === undefined ? undefined : hasTag ? canonical(parseReference(filter)) : canonical(parseReference(filter)).replace(/:latest$/, ":");
    const rows: { id: string; repository: string; tag: string; created: string; size: number }[] = [];
    for (const image of engine.images.list()) {
      const names = image.names.filter((n) => wanted === undefined || (wanted.endsWith(":") ? n.startsWith(wanted) : n === wanted));
      if (image.names.length === 0 && wanted === undefined) rows.push({ id: image.id, repository: "<none>", tag: "<none>", created: image.created, size: image.size });
      for (const n of names) rows.push({ id: image.id, ...displayParts(n), created: image.created, size: image.size });
    }
    rows.sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || a.repository.localeCompare(b.repository));
    const id = (r: (typeof rows)[number]) => (bool(flags["no-trunc"]) ? r.id : shortId(r.id));
    if (bool(flags.quiet)) {
      process.stdout.write([...new Set(rows.map(id))].map((i) => `${i}\n`).join(""));
      return;
    }
    process.stdout.write(
      renderTable(
        ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"],
        rows.map((r) => [r.repository, r.tag, id(r), ago(r.created, now), humanSize(r.size)]),
      ),
    );
  },
});
