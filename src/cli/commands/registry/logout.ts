import { registryDomain, removeCredentials, serverKey } from "../../../registry/credentials.ts";
import { defineBunkerCommand } from "../../command.ts";

export default defineBunkerCommand({
  name: "logout",
  description: "Log out from a registry",
  usage: "[SERVER]",
  flags: [],
  maxArgs: 1,
  run(_ctx, { positionals }) {
    const domain = registryDomain(positionals[0] ?? "docker.io");
    // docker names Docker Hub by its config key, https://index.docker.io/v1/
    const shown = serverKey(domain);
    if (removeCredentials(domain)) process.stdout.write(`Removing login credentials for ${shown}\n`);
    else process.stdout.write(`Not logged in to ${shown}\n`);
  },
});
