// Building the images of services with a `build` section (`up --build`,
// `compose build`): bunker's own builder, tagged as compose names them.
import { resolve } from "node:path";
import { build } from "../build/builder.ts";
import { openContext } from "../build/context.ts";
import { parseEntitlements } from "../build/entitlements.ts";
import { progressPrinter } from "../cli/progress.ts";
import type { Engine } from "../engine/engine.ts";
import { keyValueMap } from "./merge.ts";
import { progress } from "./output.ts";
import { serviceImage } from "./service-config.ts";
import type { Builder } from "./up.ts";

const truthy = (v: boolean | string | undefined) => v === true || v === "true" || v === "yes";

export function composeBuilder(engine: Engine): Builder {
  return {
    async build(project, services) {
      for (const name of services) {
        const s = project.services[name];
        const spec = typeof s.build === "string" ? { context: s.build } : (s.build ?? {});
        const contextDir = resolve(project.directory, spec.context ?? ".");
        const context = await openContext({ context: contextDir, file: spec.dockerfile ? resolve(contextDir, spec.dockerfile) : undefined });
        const image = serviceImage(project, name, s);
        try {
          await engine.buildCache.whileInUse(() => build(engine, context, {
            tags: [image, ...(spec.tags ?? [])],
            buildArgs: new Map(Object.entries(keyValueMap(spec.args)).flatMap(([k, v]): [string, string][] => {
              const value = v ?? project.env[k]; // a bare KEY takes the value from the environment
              return value === undefined || value === null ? [] : [[k, String(value)]];
            })),
            labels: Object.fromEntries(Object.entries(keyValueMap(spec.labels)).map(([k, v]) => [k, String(v ?? "")])),
            noCache: truthy(spec.no_cache),
            pull: truthy(spec.pull),
            target: spec.target,
            network: spec.network,
            allow: parseEntitlements(spec.entitlements ?? []),
            secrets: new Map(),
            log: (line) => process.stderr.write(`${line}\n`),
            output: (_, data) => void process.stderr.write(data),
            events: progressPrinter(process.stderr, false),
          }));
        } finally {
          context.close();
        }
        progress("Image", image, "Built");
      }
    },
  };
}
