import { build, checkPlatform } from "../../build/builder.ts";
import { openContext } from "../../build/context.ts";
import { parseEntitlements } from "../../build/entitlements.ts";
import { writeFileAtomic } from "../../lib/atomic.ts";
import { BunkerError } from "../../lib/errors.ts";
import { parseLabels } from "../../engine/create-container.ts";
import { defineBunkerCommand } from "../command.ts";
import { bool, list, str } from "../flags.ts";
import { progressPrinter } from "../progress.ts";

export default defineBunkerCommand({
  name: "build",
  description: "Build an image from a Dockerfile",
  usage: "[OPTIONS] PATH | URL | -",
  flags: [
    { name: "tag", short: "t", type: "list", description: 'Name and optionally a tag in the "name:tag" format', valueHint: "list" },
    { name: "file", short: "f", type: "string", description: "Name of the Dockerfile (default: \"PATH/Dockerfile\")", valueHint: "string" },
    { name: "build-arg", type: "list", description: "Set build-time variables", valueHint: "list" },
    { name: "label", type: "list", description: "Set metadata for an image", valueHint: "list" },
    { name: "no-cache", type: "bool", description: "Do not use cache when building the image" },
    { name: "pull", type: "bool", description: "Always attempt to pull a newer version of the image" },
    { name: "quiet", short: "q", type: "bool", description: "Suppress the build output and print image ID on success" },
    { name: "iidfile", type: "string", description: "Write the image ID to the file", valueHint: "string" },
    { name: "network", type: "string", description: 'Set the networking mode for the RUN instructions during build (bridge, host, none or a network; default "bridge")', valueHint: "string" },
    { name: "allow", type: "list", description: 'Allow extra privileged entitlement (e.g., "network.host")', valueHint: "stringArray" },
    { name: "platform", type: "string", description: "Set platform if server is multi-platform capable (the host's only)", valueHint: "string" },
    { name: "progress", type: "string", description: 'Set type of progress output ("auto", "plain", "tty")', valueHint: "string" },
    { name: "target", type: "string", description: "Set the target build stage to build", valueHint: "string" },
    { name: "secret", type: "list", description: 'Secret to expose to the build (format: "id=mysecret,src=/local/secret")', valueHint: "stringArray" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { flags, positionals }) {
    const quiet = bool(flags.quiet);
    const progress = str(flags.progress) ?? "auto";
    if (!["auto", "plain", "tty"].includes(progress)) throw new BunkerError(`invalid --progress=${progress}: use auto, plain or tty`);
    checkPlatform(str(flags.platform));
    const buildArgs = new Map(
      list(flags["build-arg"]).flatMap((a): [string, string][] => {
        const i = a.indexOf("=");
        if (i >= 0) return [[a.slice(0, i), a.slice(i + 1)]];
        const fromEnv = process.env[a]; // `--build-arg NAME` takes NAME from the environment, as docker
        return fromEnv === undefined ? [] : [[a, fromEnv]];
      }),
    );
    const secrets = new Map(list(flags.secret).map(parseSecret));
    const allow = parseEntitlements(list(flags.allow));
    const context = await openContext({ context: positionals[0], file: str(flags.file) });
    let held: Buffer[] = [];
    try {
      const engine = ctx.engine();
      // Held shared for the whole build: a prune meanwhile waits rather than delete the cache it is using.
      const id = await engine.buildCache.whileInUse(() => build(engine, context, {
        tags: list(flags.tag),
        buildArgs,
        labels: parseLabels(list(flags.label)),
        noCache: bool(flags["no-cache"]),
        pull: bool(flags.pull),
        target: str(flags.target),
        network: str(flags.network),
        allow,
        secrets,
        log: quiet ? () => {} : (line) => process.stderr.write(`${line}\n`),
        // Docker's builder shows a step's output with its progress, on stderr; -q keeps it until the step fails.
        output: quiet ? (_, data) => void held.push(data) : (_, data) => void process.stderr.write(data),
        heldOutput: () => {
          const text = Buffer.concat(held).toString();
          held = [];
          return text;
        },
        events: progressPrinter(process.stderr, quiet),
      }));
      const iidfile = str(flags.iidfile);
      if (iidfile) writeFileAtomic(iidfile, id);
      if (quiet) console.log(id);
    } finally {
      context.close();
    }
  },
});

function parseSecret(spec: string): [string, string] {
  const kv = new Map(spec.split(",").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)] as [string, string]));
  const id = kv.get("id");
  const src = kv.get("src") ?? kv.get("source");
  if (!id || !src) throw new BunkerError(`invalid --secret ${spec}: use id=NAME,src=PATH`);
  return [id, src];
}
