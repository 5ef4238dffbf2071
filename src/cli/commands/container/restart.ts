import { startContainer } from "../../../engine/start-container.ts";
import { defineBunkerCommand } from "../../command.ts";
import { STOP_FLAGS, stopEach } from "./stop.ts";

export default defineBunkerCommand({
  name: "restart",
  description: "Restart one or more containers",
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  flags: STOP_FLAGS,
  minArgs: 1,
  run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    return stopEach(engine, flags, positionals, (ref) => startContainer(engine, engine.containers.resolve(ref), { attach: false, interactive: false }));
  },
});
