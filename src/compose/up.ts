// `compose up`: networks and volumes, images, then each service's containers
// in dependency order (recreated when their configuration changed), then,
// in the foreground, their logs until they stop.
import { stopContainer } from "../engine/container-exit.ts";
import { createContainer } from "../engine/create-container.ts";
import type { Engine } from "../engine/engine.ts";
import { ensureImage } from "../engine/ensure-image.ts";
import { currentHealth } from "../engine/health.ts";
import { removeContainer } from "../engine/remove-container.ts";
import { adoptInterruptedStart, refreshState, startContainer } from "../engine/start-container.ts";
import type { ContainerRecord } from "../engine/container-store.ts";
import { crashPoint } from "../lib/crash-point.ts";
import { BunkerError } from "../lib/errors.ts";
import { watchUntil } from "../lib/watch-until.ts";
import { followLogs } from "./follow-logs.ts";
import { type Dependency, dependencies, startOrder } from "./graph.ts";
import type { Project } from "./load.ts";
import { connectNetwork, ensureNetworks, ensureVolumes } from "./resources.ts";
import { progress } from "./output.ts";
import { isUp, type ProjectContainer, projectContainers } from "./project-containers.ts";
import { type ContainerPlan, containerPlan, replicas, serviceImage } from "./service-config.ts";
import type { ServiceSpec } from "./schema.ts";

export interface UpOptions {
  services: string[];
  detach: boolean;
  build: boolean;
  wait: boolean;
  abortOnContainerExit: boolean;
  exitCodeFrom?: string;
  removeOrphans: boolean;
  forceRecreate: boolean;
  noDeps: boolean;
  scale: Record<string, number>;
  /** Stop timeout (seconds) for recreated and, after Ctrl-C, all containers. */
  timeout?: number;
}

export interface Builder {
  build(project: Project, services: string[]): Promise<void>;
}

/** The images: built where the service has a build section (always with --build, else when missing), pulled otherwise. */
async function ensureImages(engine: Engine, project: Project, services: string[], build: boolean, builder: Builder): Promise<void> {
  const toBuild: string[] = [];
  for (const name of services) {
    const s = project.services[name];
    const image = serviceImage(project, name, s);
    const present = (() => {
      try {
        engine.images.resolve(image);
        return true;
      } catch {
        return false;
      }
    })();
    if (s.build && (build || !present)) toBuild.push(name);
    else if (!present || s.pull_policy === "always") {
      const { progressPrinter } = await import("../cli/progress.ts");
      const printer = progressPrinter(process.stderr, false);
      await ensureImage(engine, image, s.pull_policy === "always" ? "always" : "missing", printer);
      printer.finish();
    }
  }
  if (toBuild.length) {
    await builder.build(project, toBuild);
  }
}

/** The running container a service's dependents use (network_mode: service:X, volumes_from). */
function firstContainerOf(engine: Engine, project: Project, service: string): string {
  const c = projectContainers(engine, project.name).find((c) => c.service === service && !c.oneoff);
  if (!c) throw new BunkerError(`service "${service}" has no container`, 1);
  return c.record.Name.slice(1);
}

/** Connects the plan's networks beyond the first that the container is not on yet: a new one, or one whose `up` was killed before it joined them all. */
async function joinExtraNetworks(engine: Engine, record: ContainerRecord, plan: ContainerPlan): Promise<void> {
  const joined = record.NetworkSettings?.Networks ?? {};
  for (const net of plan.extraNetworks) if (!(net.name in joined)) await connectNetwork(engine, record.Id, net.name, net.aliases);
}

async function createServiceContainer(engine: Engine, project: Project, service: string, s: ServiceSpec, n: number): Promise<string> {
  const plan = containerPlan(project, service, s, n, (other) => firstContainerOf(engine, project, other));
  const record = createContainer(engine, plan.body, plan);
  crashPoint("compose.after-create");
  await joinExtraNetworks(engine, record, plan);
  progress("Container", record.Name.slice(1), "Created");
  return record.Id;
}

/** Creates, keeps or recreates the service's containers; returns their ids. */
async function converge(engine: Engine, project: Project, service: string, opts: UpOptions): Promise<string[]> {
  const s = project.services[service];
  const existing = projectContainers(engine, project.name).filter((c) => c.service === service && !c.oneoff);
  const want = replicas(s, opts.scale[service]);
  const plan = (n: number) => containerPlan(project, service, s, n, (other) => firstContainerOf(engine, project, other));
  const ids: string[] = [];
  for (let n = 1; n <= want; n++) {
    const current = existing.find((c) => c.number === n);
    const hash = plan(n).configHash;
    if (current && !opts.forceRecreate && current.record.Config.Labels["com.docker.compose.config-hash"] === hash) {
      await joinExtraNetworks(engine, current.record, plan(n));
      ids.push(current.record.Id);
      continue;
    }
    if (current) {
      if (isUp(current)) await stopContainer(engine, current.record.Id, opts.timeout);
      removeContainer(engine, current.record.Id, { force: true });
      progress("Container", current.record.Name.slice(1), "Recreate");
    }
    ids.push(await createServiceContainer(engine, project, service, s, n));
  }
  for (const extra of existing.filter((c) => c.number > want)) {
    if (isUp(extra)) await stopContainer(engine, extra.record.Id, opts.timeout);
    removeContainer(engine, extra.record.Id, { force: true });
    progress("Container", extra.record.Name.slice(1), "Removed");
  }
  return ids;
}

/** A container's state with a finished run recorded (its monitor only leaves an exit file), and its health as inspect shows it. */
function currentState(engine: Engine, id: string) {
  const record = refreshState(engine, engine.containers.load(id));
  return { ...record.State, Health: currentHealth(record) };
}

/** Waits until a dependency is as its condition says (healthy, or exited 0), failing as compose does. */
async function satisfy(engine: Engine, project: Project, dependent: string, dep: Dependency): Promise<void> {
  if (dep.condition === "service_started") return;
  for (const c of projectContainers(engine, project.name).filter((c) => c.service === dep.service && !c.oneoff)) {
    const id = c.record.Id;
    const name = c.record.Name.slice(1);
    const state = () => currentState(engine, id);
    const running = () => state().Running && !state().Paused;
    if (dep.condition === "service_healthy") {
      await watchUntil(engine.containers.path(id), () => !running() || state().Health?.Status === "healthy" || state().Health?.Status === "unhealthy");
      if (state().Health?.Status !== "healthy") throw new BunkerError(`dependency failed to start: container ${name} is ${running() ? "unhealthy" : "not running"}`, 1);
    } else {
      await watchUntil(engine.containers.path(id), () => !running());
      const code = state().ExitCode;
      if (code !== 0) throw new BunkerError(`service "${dep.service}" didn't complete successfully: exit ${code} (needed by ${dependent})`, 1);
    }
  }
}

function orphans(engine: Engine, project: Project): ProjectContainer[] {
  return projectContainers(engine, project.name).filter((c) => !c.oneoff && !(c.service in project.allServices));
}

export async function up(engine: Engine, project: Project, opts: UpOptions, builder: Builder): Promise<number> {
  const order = startOrder(project.services, opts.services.length ? opts.services : Object.keys(project.services), opts.noDeps);
  await ensureNetworks(engine, project, order);
  ensureVolumes(engine, project, order);
  await ensureImages(engine, project, order, opts.build, builder);
  const stray = orphans(engine, project);
  for (const o of stray) {
    if (!opts.removeOrphans) continue;
    if (isUp(o)) await stopContainer(engine, o.record.Id, opts.timeout);
    removeContainer(engine, o.record.Id, { force: true });
    progress("Container", o.record.Name.slice(1), "Removed");
  }
  if (stray.length && !opts.removeOrphans) {
    process.stderr.write(`Found orphan containers (${stray.map((o) => o.record.Name.slice(1)).join(", ")}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.\n`);
  }

  const started: string[] = [];
  for (const service of order) {
    for (const dep of opts.noDeps ? [] : dependencies(project.services[service])) await satisfy(engine, project, service, dep);
    for (const id of await converge(engine, project, service, opts)) {
      const r = engine.containers.load(id);
      if (!r.State.Running) {
        await startContainer(engine, id, { attach: false, interactive: false });
        crashPoint("compose.after-start");
        progress("Container", r.Name.slice(1), "Started");
      } else {
        if (r.Starting) adoptInterruptedStart(engine, id); // an earlier `up` was killed while it started it
        progress("Container", r.Name.slice(1), "Running");
      }
      started.push(id);
    }
  }

  if (opts.detach) {
    if (opts.wait) await waitHealthy(engine, started);
    return 0;
  }
  return followUntilDone(engine, project, started, opts);
}

/** --wait: every container running, and healthy where it has a health check. */
async function waitHealthy(engine: Engine, ids: string[]): Promise<void> {
  for (const id of ids) {
    const state = () => currentState(engine, id);
    await watchUntil(engine.containers.path(id), () => !state().Running || state().Health?.Status !== "starting");
    const s = state();
    const name = engine.containers.load(id).Name.slice(1);
    if (!s.Running) throw new BunkerError(`container ${name} exited (${s.ExitCode})`, 1);
    if (s.Health?.Status === "unhealthy") throw new BunkerError(`container ${name} is unhealthy`, 1);
  }
}

/** The foreground: every container's log, prefixed, until all stop; Ctrl-C (or, with --abort-on-container-exit, any exit) stops them all. */
async function followUntilDone(engine: Engine, project: Project, ids: string[], opts: UpOptions): Promise<number> {
  const names = ids.map((id) => engine.containers.load(id).Name.slice(1));
  let stopping: Promise<unknown> | undefined;
  const stopAll = () => {
    stopping ??= Promise.all(ids.map((id) => stopContainer(engine, id, opts.timeout).catch(() => {})));
    return stopping;
  };
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: give up waiting
    interrupted = true;
    process.stderr.write("Gracefully stopping... (press Ctrl+C again to force)\n");
    void stopAll();
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  let firstExit: string | undefined;
  await followLogs(engine, ids, names, { follow: true }, (id) => {
    const r = engine.containers.load(id);
    process.stdout.write(`${r.Name.slice(1)} exited with code ${r.State.ExitCode}\n`);
    firstExit ??= id;
    if (opts.abortOnContainerExit || opts.exitCodeFrom) {
      if (!stopping) process.stderr.write("Aborting on container exit...\n");
      void stopAll();
    }
  });
  await stopping;
  process.off("SIGINT", onInterrupt);
  process.off("SIGTERM", onInterrupt);
  if (interrupted) return 130;
  const from = opts.exitCodeFrom
    ? ids.find((id) => engine.containers.load(id).Config.Labels["com.docker.compose.service"] === opts.exitCodeFrom)
    : opts.abortOnContainerExit
      ? firstExit
      : undefined;
  return from ? engine.containers.load(from).State.ExitCode : 0;
}
