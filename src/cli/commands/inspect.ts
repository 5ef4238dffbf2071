import type { ContainerRecord } from "../../engine/container-store.ts";
import type { LoadedRecord } from "../../engine/container-store.ts";
import { networkStore } from "../../engine/container-network.ts";
import { currentHealth } from "../../engine/health.ts";
import { logFileName } from "../../engine/json-log.ts";
import { rootfsLayers } from "../../engine/runtime-spec.ts";
import { inspectNetwork } from "../../engine/networks.ts";
import { refreshState } from "../../engine/start-container.ts";
import { BunkerError, NotFoundError } from "../../lib/errors.ts";
import { emptySettings } from "../../network/settings.ts";
import { type CliContext, defineBunkerCommand } from "../command.ts";
import { eachArgument } from "../each-argument.ts";
import { bool, str } from "../flags.ts";
import { containerSizes } from "../../engine/container-size.ts";
import { imageInspect } from "../../engine/image-json.ts";
import { volumeInspect } from "../../engine/volumes.ts";
import { loadTemplates } from "../format-flag.ts";

// Docker's order of a container's inspect fields; ours that docker lacks come after.
const ORDER = ["Id", "Created", "Path", "Args", "State", "Image", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "Name", "RestartCount", "Driver", "Platform", "HostConfig", "GraphDriver", "SizeRw", "SizeRootFs", "Mounts", "Config", "NetworkSettings"];

/** Docker's inspect shape, in docker's order; bookkeeping fields of ours are left out; -s adds the sizes. */
export function containerInspect(ctx: CliContext, r: LoadedRecord, withSizes = false): ContainerRecord {
  const { PidStartTime: _, ...rest } = r;
  if (!r.State.Health) rest.State = { ...r.State, Health: currentHealth(r) };
  const engine = ctx.engine();
  const dir = (...p: string[]) => engine.containers.path(r.Id, ...p);
  // Docker's GraphDriver: where the overlay's layers are.
  const GraphDriver = {
    Data: { LowerDir: rootfsLayers(engine, r).lowerdirs.join(":"), MergedDir: dir("merged"), UpperDir: dir("upper"), WorkDir: dir("work") },
    Name: r.Driver,
  };
  const all: Record<string, unknown> = {
    ...rest,
    ResolvConfPath: dir("resolv.conf"),
    HostnamePath: dir("hostname"),
    HostsPath: dir("hosts"),
    LogPath: dir(logFileName(r.Id)),
    // Records made before networking have no NetworkSettings; docker always shows them.
    NetworkSettings: r.NetworkSettings ?? emptySettings({}),
    GraphDriver,
    ...(withSizes ? containerSizes(engine, r) : {}),
  };
  const ordered = Object.fromEntries(ORDER.filter((k) => k in all).map((k) => [k, all[k]]));
  return Object.assign(ordered, all) as unknown as ContainerRecord; // keys already placed keep their place
}

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
      ["container", (ref) => containerInspect(ctx, refreshState(engine, engine.containers.load(engine.containers.resolve(ref))), bool(flags.size))],
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
