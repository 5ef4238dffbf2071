import { networkStore } from "../../../engine/container-network.ts";
import { inspectNetwork } from "../../../engine/networks.ts";
import { defineBunkerCommand } from "../../command.ts";
import { eachArgument } from "../../each-argument.ts";
import { str } from "../../flags.ts";
import { inspectTemplate, printInspect } from "../inspect.ts";

export default defineBunkerCommand({
  name: "network inspect",
  description: "Display detailed information on one or more networks",
  usage: "[OPTIONS] NETWORK [NETWORK...]",
  flags: [{ name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" }],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const render = await inspectTemplate(str(flags.format));
    const engine = ctx.engine();
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (ref) => {
        found.push(inspectNetwork(engine, networkStore(engine).find(ref)));
      },
      (_, e) => `Error: ${e.message}`,
    );
    printInspect(found, render);
    return code;
  },
});
