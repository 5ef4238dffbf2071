// `compose run`: a one-off container of a service, with its dependencies up,
// the service's ports left unpublished (unless -p), and the command given.
import { createContainer } from "../engine/create-container.ts";
import type { Engine } from "../engine/engine.ts";
import { startContainer } from "../engine/start-container.ts";
import { BunkerError } from "../lib/errors.ts";
import { dependencies } from "./graph.ts";
import type { Project } from "./load.ts";
import { keyValueMap } from "./merge.ts";
import { ensureNetworks, ensureVolumes } from "./resources.ts";
import { containerPlan } from "./service-config.ts";
import type { ServiceSpec } from "./schema.ts";
import { up } from "./up.ts";
import { composeBuilder } from "./build.ts";

export interface RunOptions {
  rm: boolean;
  detach: boolean;
  env: string[];
  name?: string;
  entrypoint?: string;
  tty: boolean;
  noDeps: boolean;
  workdir?: string;
  user?: string;
  publish: string[];
}

export async function runOneOff(engine: Engine, load: () => Project, service: string, command: string[], opts: RunOptions): Promise<number> {
  const project = load();
  const base = project.services[service];
  if (!base) throw new BunkerError(`no such service: ${service}`, 1);
  const deps = dependencies(base).map((d) => d.service).filter((d) => d in project.services);
  if (!opts.noDeps && deps.length) {
    await up(engine, project, { services: deps, detach: true, build: false, wait: false, abortOnContainerExit: false, removeOrphans: false, forceRecreate: false, noDeps: false, scale: {} }, composeBuilder(engine));
  }
  await ensureNetworks(engine, project, [service]);
  ensureVolumes(engine, project, [service]);
  const spec: ServiceSpec = {
    ...base,
    container_name: opts.name ?? `${project.name}-${service}-run-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`,
    ports: opts.publish,
    restart: undefined,
    tty: opts.tty,
    stdin_open: true,
    environment: { ...keyValueMap(base.environment), ...keyValueMap(opts.env) } as Record<string, string>,
    ...(command.length ? { command } : {}),
    ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.workdir ? { working_dir: opts.workdir } : {}),
    ...(opts.user ? { user: opts.user } : {}),
  };
  const plan = containerPlan(project, service, spec, 1, (other) => other, true);
  const body = { ...plan.body, StdinOnce: !opts.detach, HostConfig: { ...plan.body.HostConfig, AutoRemove: opts.rm } };
  const record = createContainer(engine, body, plan);
  if (opts.detach) {
    await startContainer(engine, record.Id, { attach: false, interactive: false });
    console.log(record.Id);
    return 0;
  }
  return startContainer(engine, record.Id, { attach: true, interactive: true });
}
