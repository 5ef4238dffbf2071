// Not for users: the monitor runs it (see engine/cleanup-container.ts).
import { cleanupContainer } from "../../../engine/cleanup-container.ts";
import { defineBunkerCommand } from "../../command.ts";

export default defineBunkerCommand({
  name: "container cleanup",
  description: "Finish a container that has exited: record it, then remove or restart it as its settings say",
  usage: "CONTAINER",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals }) {
    const engine = ctx.engine();
    await cleanupContainer(engine, engine.containers.resolve(positionals[0]));
  },
});
