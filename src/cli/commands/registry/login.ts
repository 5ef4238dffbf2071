// `login`: checks the credentials against the registry (GET /v2/ through its
// auth challenge) and only then stores them, as docker does.
import { BunkerError, UsageError } from "../../../lib/errors.ts";
import { RegistryClient, RegistryError } from "../../../registry/client.ts";
import { type Credentials, credentialHelper, credentialsFor, registryDomain, saveCredentials } from "../../../registry/credentials.ts";
import { defineBunkerCommand } from "../../command.ts";
import { bool, str } from "../../flags.ts";
import { interactive, promptLine, requireTerminal } from "./prompt.ts";

async function verify(domain: string, credentials: Credentials): Promise<void> {
  await RegistryClient.for(domain, "", { credentials }).ping();
}

export default defineBunkerCommand({
  name: "login",
  description: "Authenticate to a registry",
  usage: "[OPTIONS] [SERVER]",
  flags: [
    { name: "username", short: "u", type: "string", description: "Username", valueHint: "string" },
    { name: "password", short: "p", type: "string", description: "Password or Personal Access Token (PAT)", valueHint: "string" },
    { name: "password-stdin", type: "bool", description: "Take the Password or Personal Access Token (PAT) from stdin" },
  ],
  maxArgs: 1,
  async run(_ctx, { flags, positionals }) {
    const domain = registryDomain(positionals[0] ?? "docker.io");
    let username = str(flags.username)?.trim();
    let password = str(flags.password);
    if (password !== undefined) process.stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (bool(flags["password-stdin"])) {
      if (password !== undefined) throw new UsageError("--password and --password-stdin are mutually exclusive", "login");
      if (!username) throw new UsageError("Must provide --username with --password-stdin", "login");
      password = (await Bun.stdin.text()).replace(/\n$/, "").replace(/\r$/, "");
    }

    // No flags and a stored login: try it first (docker's "existing credentials").
    if (!username && !password) {
      const stored = credentialsFor(domain);
      if (stored) {
        const who = stored.username === "<token>" ? "" : ` [Username: ${stored.username}]`;
        process.stdout.write(`Authenticating with existing credentials...${who}\n`);
        try {
          await verify(domain, stored);
          process.stdout.write("Login Succeeded\n");
          return;
        } catch (e) {
          if (!(e instanceof RegistryError) || !interactive()) throw e;
          process.stderr.write(`Login did not succeed, error: ${e.message}\n`);
        }
      }
    }

    if (!username) {
      requireTerminal();
      username = (await promptLine("Username: ")).trim();
      if (!username) throw new BunkerError("Username is required", 1);
    }
    if (!password) {
      requireTerminal();
      password = await promptLine("Password: ", true);
      if (!password) throw new BunkerError("Password is required", 1);
    }

    const credentials = { username, password };
    await verify(domain, credentials);
    const file = saveCredentials(domain, credentials);
    if (!credentialHelper(domain)) {
      process.stderr.write(`WARNING! Your credentials are stored unencrypted in '${file}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
    }
    process.stdout.write("Login Succeeded\n");
  },
});
