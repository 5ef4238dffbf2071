// `system service`: serves the Docker Engine API until it has been idle for
// --time seconds. It holds no state of its own (every request goes to the store,
// as a CLI command does), so it may exit at any moment and come back through
// socket activation; containers keep running under their monitors.
import { homedir } from "node:os";
import { join } from "node:path";
import { activatedTarget, listen, parseListenUri, type TlsFiles } from "../../../api/listen.ts";
import { apiRouter } from "../../../api/routes/index.ts";
import { ApiServer } from "../../../api/server.ts";
import { UsageError } from "../../../lib/errors.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, type FlagValues, intValue, str } from "../../flags.ts";

/** podman's default: a service started on demand goes away soon after its last client. */
const DEFAULT_IDLE_SECONDS = 5;

/** dockerd's TLS flags and defaults ($DOCKER_CERT_PATH or ~/.docker, ca.pem, cert.pem, key.pem); TLS only with client verification. */
function tlsFiles(flags: FlagValues): TlsFiles | undefined {
  const given = ["tlscacert", "tlscert", "tlskey"].filter((f) => flags[f] !== undefined);
  if (!bool(flags.tlsverify)) {
    if (given.length > 0) throw new UsageError(`--${given[0]} needs --tlsverify: the API is served over TLS only to clients with a certificate`, "system service");
    return undefined;
  }
  const dir = process.env.DOCKER_CERT_PATH || join(homedir(), ".docker");
  return {
    ca: str(flags.tlscacert) ?? join(dir, "ca.pem"),
    cert: str(flags.tlscert) ?? join(dir, "cert.pem"),
    key: str(flags.tlskey) ?? join(dir, "key.pem"),
  };
}

export default defineBunkerCommand({
  name: "system service",
  description: "Serve the Docker Engine API (on a unix socket, a socket from systemd, or TCP with TLS)",
  usage: "[OPTIONS] [URI]",
  flags: [
    { name: "time", short: "t", type: "string", description: `Seconds without a connection before the service exits; 0: never (default ${DEFAULT_IDLE_SECONDS})`, valueHint: "int" },
    { name: "tlsverify", type: "bool", description: "Serve TCP with TLS and accept only clients whose certificate the CA signed" },
    { name: "tlscacert", type: "string", description: 'Trust certs signed only by this CA (default "~/.docker/ca.pem")', valueHint: "string" },
    { name: "tlscert", type: "string", description: 'Path to the TLS certificate file (default "~/.docker/cert.pem")', valueHint: "string" },
    { name: "tlskey", type: "string", description: 'Path to the TLS key file (default "~/.docker/key.pem")', valueHint: "string" },
  ],
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const idleSeconds = intValue(flags.time, "--time") ?? DEFAULT_IDLE_SECONDS;
    if (idleSeconds < 0) throw new UsageError("--time must be 0 (no timeout) or more seconds", "system service");
    const tls = tlsFiles(flags);
    const target = activatedTarget() ?? parseListenUri(positionals[0] ?? `unix://${join(ctx.dirs.runRoot, "bunker.sock")}`);
    const listening = await listen(target, tls);
    await new Promise<void>((done) => {
      const server = new ApiServer({ router: apiRouter(), engine: ctx.engine, idleMs: idleSeconds * 1000, onIdle: done });
      server.serve(listening.server, listening.secure);
      process.once("SIGTERM", done);
      process.once("SIGINT", done);
      process.stderr.write(`API listen on ${listening.uri}\n`);
    });
    listening.close();
  },
});
