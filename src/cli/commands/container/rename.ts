import { renameContainer } from "../../../engine/rename-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";

export default defineBunkerCommand({
  name: "rename",
  description: "Rename a container",
  usage: "CONTAINER NEW_NAME",
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  run(ctx, { positionals }) {
    const [from, to] = positionals.map((p) => p.trim());
    if (from === "" || to === "") {
      process.stderr.write("Error: Neither old nor new names may be empty\n"); // docker's words, without our prefix
      return 1;
    }
    const engine = ctx.engine();
    // As docker: the engine's reason, then which rename failed.
    return eachArgument([from], (ref) => renameContainer(engine, ref, to), (ref, e) => `Error response from daemon: ${e.message}\nError: failed to rename container named ${ref}`);
  },
});
