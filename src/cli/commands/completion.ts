import { SCRIPTS } from "../completion/scripts.ts";
import { defineBunkerCommand } from "../command.ts";
import { UsageError } from "../../lib/errors.ts";
import { writeOut } from "../output.ts";

export default defineBunkerCommand({
  name: "completion",
  description: "Generate the autocompletion script for the specified shell (bash, zsh, fish)",
  usage: "bash|zsh|fish",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  noNative: true,
  async run(ctx, { positionals: [shell] }) {
    const script = SCRIPTS[shell];
    if (!script) throw new UsageError(`unsupported shell "${shell}": choose bash, zsh or fish`, "completion");
    await writeOut(script(ctx.prog));
  },
});
