import { attachContainer } from "../../../engine/attach-container.ts";
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from "../../../runtime/attach-stream.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";

export default defineBunkerCommand({
  name: "attach",
  description: "Attach local standard input, output, and error streams to a running container",
  usage: "[OPTIONS] CONTAINER",
  flags: [
    { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container", valueHint: "string" },
    { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
    { name: "sig-proxy", type: "bool", description: "Proxy all received signals to the process (default true)" },
  ],
  minArgs: 1,
  maxArgs: 1,
  run(ctx, { flags, positionals }) {
    const detachKeys = str(flags["detach-keys"]);
    return attachContainer(ctx.engine(), positionals[0], {
      stdin: !bool(flags["no-stdin"]),
      sigProxy: flags["sig-proxy"] !== false,
      detachKeys: detachKeys === undefined ? DEFAULT_DETACH_KEYS : parseDetachKeys(detachKeys),
    });
  },
});
