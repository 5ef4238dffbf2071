import type { ContainerRecord } from "../../engine/container-store.ts";
import type { LoadedRecord } from "../../engine/container-store.ts";
import { refreshState } from "../../engine/start-container.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { type CliContext, defineBunkerCommand } from "../command.ts";
import { eachArgument } from "../each-argument.ts";
import { str } from "../flags.ts";
import { imageInspect } from "./image/image-json.ts";
import { compile, renderTemplate, type Template } from "../template/index.ts";

/** Docker's inspect shape; bookkeeping fields of ours are left out. */
export function containerInspect(ctx: CliContext, r: LoadedRecord): ContainerRecord {
  const { PidStartTime: _, ...rest } = r;
  return { ...rest, ResolvConfPath: ctx.engine().containers.path(r.Id, "resolv.conf"), HostnamePath: ctx.engine().containers.path(r.Id, "hostname"), HostsPath: ctx.engine().containers.path(r.Id, "hosts") } as ContainerRecord;
}

/** The -f template, parsed before any lookup so a bad one fails alone with exit code 64, as docker's. */
export function inspectTemplate(format: string | undefined): Template | undefined {
  return format === undefined || format === "" ? undefined : compile(format);
}

export function printInspect(objects: unknown[], template: Template | undefined): void {
  if (template === undefined) process.stdout.write(`${JSON.stringify(objects, null, 4)}\n`);
  else for (const o of objects) process.stdout.write(`${renderTemplate(template, o)}\n`);
}

export default defineBunkerCommand({
  name: "inspect",
  description: "Return low-level information on bunker objects",
  usage: "[OPTIONS] NAME|ID [NAME|ID...]",
  flags: [
    { name: "format", short: "f", type: "string", description: "Format output using a Go template", valueHint: "string" },
    { name: "type", type: "string", description: "Return JSON for specified type (container, image)", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const engine = ctx.engine();
    const type = str(flags.type);
    const template = inspectTemplate(str(flags.format));
    const found: unknown[] = [];
    const code = await eachArgument(
      positionals,
      (ref) => {
        if (type !== "image") {
          try {
            found.push(containerInspect(ctx, refreshState(engine, engine.containers.load(engine.containers.resolve(ref)))));
            return;
          } catch (e) {
            if (!(e instanceof NotFoundError) || type === "container") throw e;
          }
        }
        found.push(imageInspect(engine, engine.images.resolve(ref)));
      },
      (ref) => `Error: No such object: ${ref}`,
    );
    printInspect(found, template);
    return code;
  },
});
