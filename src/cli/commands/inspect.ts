import type { ContainerRecord } from "../../engine/container-store.ts";
import type { LoadedRecord } from "../../engine/container-store.ts";
import { networkStore } from "../../engine/container-network.ts";
import { initialHealth } from "../../engine/health.ts";
import { inspectNetwork } from "../../engine/networks.ts";
import { refreshState } from "../../engine/start-container.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { emptySettings } from "../../network/settings.ts";
import { type CliContext, defineBunkerCommand } from "../command.ts";
import { eachArgument } from "../each-argument.ts";
import { str } from "../flags.ts";
import { imageInspect } from "./image/image-json.ts";
import { loadTemplates } from "../format-flag.ts";

/** Docker's inspect shape; bookkeeping fields of ours are left out. */
export function containerInspect(ctx: CliContext, r: LoadedRecord): ContainerRecord {
  const { PidStartTime: _, ...rest } = r;
  // A running container with a health check whose first probe has not been recorded yet is "starting".
  if (r.State.Running && !r.State.Health) rest.State = { ...r.State, Health: initialHealth(r) };
  // Records made before networking have no NetworkSettings; docker always shows them.
  return { ...rest, NetworkSettings: r.NetworkSettings ?? emptySettings({}), ResolvConfPath: ctx.engine().containers.path(r.Id, "resolv.conf"), HostnamePath: ctx.engine().containers.path(r.Id, "hostname"), HostsPath: ctx.engine().containers.path(r.Id, "hosts") } as ContainerRecord;
}

type Render = (o: unknown) => string;

/** The -f template, parsed before any lookup so a bad one fails alone with exit code 64, as docker's. */
export async function inspectTemplate(format: string | undefined): Promise<Render | undefined> {
  if (format === undefined || format === "") return undefined;
  const { compile, renderTemplate } = await loadTemplates();
  const template = compile(format);
  return (o) => renderTemplate(template, o);
}

export function printInspect(objects: unknown[], render: Render | undefined): void {
  if (render === undefined) process.stdout.write(`${JSON.stringify(objects, null, 4)}\n`);
  else for (const o of objects) process.stdout.write(`${render(o)}\n`);
}

export default defineBunkerCommand({
  name: "inspect",
  description: "Return low-level information on bunker objects",
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" },
    { name: "type", type: "string", description: "Return JSON for specified type (container, image, network)", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const type = str(flags.type);
    const template = await inspectTemplate(str(flags.format));
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (ref) => {
        if (type === "network") return void found.push(inspectNetwork(engine, networkStore(engine).find(ref)));
        if (type !== "image") {
          try {
            found.push(containerInspect(ctx, refreshState(engine, engine.containers.load(engine.containers.resolve(ref)))));
            return;
          } catch (e) {
            if (!(e instanceof NotFoundError) || type === "container") throw e;
          }
        }
        try {
          found.push(imageInspect(engine, engine.images.resolve(ref)));
        } catch (e) {
          if (!(e instanceof NotFoundError) || type === "image") throw e;
          found.push(inspectNetwork(engine, networkStore(engine).find(ref)));
        }
      },
      (ref) => `Error: No such object: ${ref}`,
    );
    printInspect(found, template);
    return code;
  },
});
