import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { renderTable } from "../../format.ts";

export default defineBunkerCommand({
  name: "search",
  description: "Search for images (a registry's catalog with HOST/TERM, Docker Hub otherwise)",
  usage: "[OPTIONS] TERM",
  flags: [
    { name: "limit", type: "string", description: "Max number of search results (default 25)", valueHint: "int" },
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(_ctx, { flags, positionals }) {
    const { searchImages } = await import("../../../engine/search-images.ts");
    const limit = Number(str(flags.limit) ?? "25");
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new BunkerError(`invalid limit "${str(flags.limit)}": must be between 1 and 100`);
    const results = await searchImages(positionals[0], limit);
    // Docker cuts descriptions to 45 characters unless --no-trunc.
    const cut = (d: string) => (bool(flags["no-trunc"]) || d.length <= 45 ? d : `${d.slice(0, 42)}...`);
    process.stdout.write(
      renderTable(
        ["NAME", "DESCRIPTION", "STARS", "OFFICIAL"],
        results.map((r) => [r.name, cut(r.description), String(r.stars), r.official ? "[OK]" : ""]),
      ),
    );
  },
});
