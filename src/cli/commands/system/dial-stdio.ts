// `system dial-stdio`: joins stdin and stdout to the local API socket. The docker
// CLI runs it on the far side of `DOCKER_HOST=ssh://user@host`, so a remote
// bunker is reached through SSH with nothing listening on the network. It starts
// nothing: the service (or its systemd socket) must be there already.
import { connect } from "node:net";
import { join } from "node:path";
import { BunkerError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";

export default defineBunkerCommand({
  name: "system dial-stdio",
  description: "Proxy the stdio stream to the API socket (used by the docker CLI over SSH)",
  usage: "",
  flags: [],
  maxArgs: 0,
  async run(ctx) {
    const path = join(ctx.dirs.runRoot, "bunker.sock");
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", (e: Error & { code?: string }) => reject(new BunkerError(`cannot reach the API at ${path}: ${e.code ?? e.message}; start it with "bunker system service" or its systemd socket`)));
    });
    process.stdin.pipe(socket); // stdin's end shuts the socket's write side: the service still answers
    socket.pipe(process.stdout);
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
  },
});
