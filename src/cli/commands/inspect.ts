import { containerInspect } from "../../engine/container-json.ts";
import { networkStore } from "../../engine/container-network.ts";
import { inspectNetwork } from "../../engine/networks.ts";
import { refreshState } from "../../engine/start-container.ts";
import { BunkerError, NotFoundError } from "../../lib/errors.ts";
import { defineBunkerCommand } from "../command.ts";
import { eachArgument } from "../each-argument.ts";
import { bool, str } from "../flags.ts";
import { imageInspect } from "../../engine/image-json.ts";
import { volumeInspect } from "../../engine/volumes.ts";
import { loadTemplates } from "../format-flag.ts";

type Render = (o: unknown) => string;

/** The -f template, parsed before any lookup so a bad one fails alone with exit code 64, as docker's. */
export async function inspectTemplate(format: string | undefined): Promise<Render | undefined> {
  if (format === undefined || format === "") return undefined;
  if (format === "json") return (o) => JSON.stringify(o); // as {{json .}}: one compact object a line
  const { compile, renderTemplate } = await loadTemplates();
  const template = compile(format);
  return (o) => renderTemplate(template, o);
}

/** As docker: what was found (an empty array if nothing), before eachArgument reports the misses. */
export function printInspect(objects: unknown[], render: Render | undefined): void {
  if (render === undefined) process.stdout.write(`${JSON.stringify(objects, null, 4)}\n`);
  else for (const o of objects) process.stdout.write(`${render(o)}\n`);
}

/** `image inspect`, `volume inspect`: each reference looked up one way, the found ones printed, the misses reported after. */
export async function inspectEach(format: string | undefined, refs: string[], lookup: (ref: string) => unknown, describe: (ref: string, e: BunkerError) => string): Promise<number> {
  const template = await inspectTemplate(format);
  const found: unknown[] = [];
  return eachArgument(refs, (ref) => void found.push(lookup(ref)), describe, () => printInspect(found, template));
}

// What `--type` accepts; network is docker's too, though bunker has none to find yet.
const TYPES = ["container", "image", "volume", "network"];

export default defineBunkerCommand({
  name: "inspect",
  description: "Return low-level information on bunker objects",
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes if the type is container" },
    { name: "type", type: "string", description: "Return JSON for specified type (container, image, volume, network)", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const type = str(flags.type);
    if (type !== undefined && !TYPES.includes(type)) throw new BunkerError(`"${type}" is not a valid value for --type`, 1);
    const template = await inspectTemplate(str(flags.format));
    // As docker: the first kind of object with that name or id, in this order.
    const lookups: [string, (ref: string) => unknown][] = [
      ["container", (ref) => containerInspect(engine, refreshState(engine, engine.containers.load(engine.containers.resolve(ref))), bool(flags.size))],
      ["image", (ref) => imageInspect(engine, engine.images.resolve(ref))],
      ["volume", (ref) => volumeInspect(engine.volumes.load(ref))],
      ["network", (ref) => inspectNetwork(engine, networkStore(engine).find(ref))],
    ];
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (ref) => {
        for (const [kind, lookup] of lookups) {
          if (type !== undefined && type !== kind) continue;
          try {
            found.push(lookup(ref));
            return;
          } catch (e) {
            if (!(e instanceof NotFoundError)) throw e;
          }
        }
        throw new NotFoundError(ref);
      },
      (ref) => `Error: No such ${type ?? "object"}: ${ref}`,
      () => printInspect(found, template),
    );
    return code;
  },
});
