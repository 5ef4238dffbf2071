// `compose`: docker compose built in. Its own flags (-f, -p, …) come first,
// then a subcommand with its flags, each parsed with docker's rules.
import { loadProject, type Project } from "../../compose/load.ts";
import type { Engine } from "../../engine/engine.ts";
import { BunkerError, UsageError } from "../../lib/errors.ts";
import { type CliContext, defineBunkerCommand } from "../command.ts";
import { bool, type FlagSpec, type FlagValues, intValue, list, parseFlags, str } from "../flags.ts";

interface Subcommand {
  description: string;
  usage: string;
  flags: FlagSpec[];
  /** Flags end at the first positional (exec, run: the rest is the container's command). */
  stopAtFirstPositional?: boolean;
  run(ctx: CliContext, project: () => Project, flags: FlagValues, args: string[]): Promise<number | void> | number | void;
}

const stack = () => import("../../compose/stack.ts");

/** A subcommand acting on some of the project's services' containers ([SERVICE...]). */
function stackCommand(description: string, flags: FlagSpec[], act: (engine: Engine, project: Project, flags: FlagValues, services: string[]) => Promise<unknown>): Subcommand {
  return {
    description,
    usage: `${flags.length ? "[OPTIONS] " : ""}[SERVICE...]`,
    flags,
    async run(ctx, project, f, args) {
      await act(ctx.engine(), project(), f, args);
    },
  };
}

const timeoutFlag: FlagSpec = { name: "timeout", short: "t", type: "string", description: "Specify a shutdown timeout in seconds", valueHint: "int" };
const seconds = (flags: FlagValues) => intValue(flags.timeout, "--timeout");

const SUBCOMMANDS: Record<string, Subcommand> = {
  up: {
    description: "Create and start containers",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [
      { name: "detach", short: "d", type: "bool", description: "Detached mode: Run containers in the background" },
      { name: "build", type: "bool", description: "Build images before starting containers" },
      { name: "wait", type: "bool", description: "Wait for services to be running|healthy. Implies detached mode." },
      { name: "abort-on-container-exit", type: "bool", description: "Stops all containers if any container was stopped" },
      { name: "exit-code-from", type: "string", description: "Return the exit code of the selected service container", valueHint: "string" },
      { name: "remove-orphans", type: "bool", description: "Remove containers for services not defined in the Compose file" },
      { name: "force-recreate", type: "bool", description: "Recreate containers even if their configuration hasn't changed" },
      { name: "no-deps", type: "bool", description: "Don't start linked services" },
      { name: "scale", type: "list", description: "Scale SERVICE to NUM instances (SERVICE=NUM)", valueHint: "list" },
      timeoutFlag,
    ],
    async run(ctx, project, flags, args) {
      const { up } = await import("../../compose/up.ts");
      const { composeBuilder } = await import("../../compose/build.ts");
      const scale = Object.fromEntries(
        list(flags.scale).map((s) => {
          const [svc, n] = s.split("=");
          if (!svc || !/^\d+$/.test(n ?? "")) throw new UsageError(`invalid --scale value "${s}": use SERVICE=NUM`);
          return [svc, Number(n)];
        }),
      );
      const exitCodeFrom = str(flags["exit-code-from"]);
      if (exitCodeFrom && !(exitCodeFrom in project().services)) throw new BunkerError(`no such service: ${exitCodeFrom}`, 1);
      return up(
        ctx.engine(),
        project(),
        {
          services: args,
          detach: bool(flags.detach) || bool(flags.wait),
          build: bool(flags.build),
          wait: bool(flags.wait),
          abortOnContainerExit: bool(flags["abort-on-container-exit"]),
          exitCodeFrom,
          removeOrphans: bool(flags["remove-orphans"]),
          forceRecreate: bool(flags["force-recreate"]),
          noDeps: bool(flags["no-deps"]),
          scale,
          timeout: seconds(flags),
        },
        composeBuilder(ctx.engine()),
      );
    },
  },
  down: {
    description: "Stop and remove containers, networks",
    usage: "[OPTIONS]",
    flags: [
      { name: "volumes", short: "v", type: "bool", description: "Remove named volumes declared in the volumes section of the Compose file" },
      { name: "rmi", type: "string", description: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")', valueHint: "string" },
      { name: "remove-orphans", type: "bool", description: "Remove containers for services not defined in the Compose file" },
      timeoutFlag,
    ],
    async run(ctx, project, flags) {
      const rmi = str(flags.rmi);
      if (rmi !== undefined && rmi !== "local" && rmi !== "all") throw new UsageError(`invalid --rmi option "${rmi}": use local or all`);
      const { down } = await import("../../compose/stack.ts");
      await down(ctx.engine(), project(), { volumes: bool(flags.volumes), removeOrphans: bool(flags["remove-orphans"]), timeout: seconds(flags), rmi });
    },
  },
  ps: {
    description: "List containers",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [
      { name: "all", short: "a", type: "bool", description: "Show all stopped containers (including those created by the run command)" },
      { name: "quiet", short: "q", type: "bool", description: "Only display IDs" },
      { name: "services", type: "bool", description: "Display services" },
      { name: "format", type: "string", description: "Format output using a custom template: 'table' (default), 'json', or a Go template", valueHint: "string" },
    ],
    async run(ctx, project, flags, args) {
      const { listContainers } = await import("../../compose/ps.ts");
      return listContainers(ctx.engine(), project(), args, { all: bool(flags.all), quiet: bool(flags.quiet), services: bool(flags.services), format: str(flags.format) });
    },
  },
  logs: {
    description: "View output from containers",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [
      { name: "follow", short: "f", type: "bool", description: "Follow log output" },
      { name: "tail", short: "n", type: "string", description: 'Number of lines to show from the end of the logs for each container ("all")', valueHint: "string" },
      { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
      { name: "no-log-prefix", type: "bool", description: "Don't print prefix in logs" },
    ],
    async run(ctx, project, flags, args) {
      const { selected } = await import("../../compose/stack.ts");
      const { followLogs } = await import("../../compose/follow-logs.ts");
      const tail = str(flags.tail);
      if (tail !== undefined && tail !== "all" && !/^\d+$/.test(tail)) throw new UsageError(`invalid --tail value "${tail}"`);
      const containers = selected(ctx.engine(), project(), args);
      await followLogs(
        ctx.engine(),
        containers.map((c) => c.record.Id),
        containers.map((c) => c.record.Name.slice(1)),
        { follow: bool(flags.follow), tail: tail === undefined || tail === "all" ? undefined : Number(tail), timestamps: bool(flags.timestamps), noPrefix: bool(flags["no-log-prefix"]) },
      );
    },
  },
  start: stackCommand("Start services", [], (engine, p, _flags, args) => stack().then((m) => m.startServices(engine, p, args))),
  stop: stackCommand("Stop services", [timeoutFlag], (engine, p, flags, args) => stack().then((m) => m.stopServices(engine, p, args, seconds(flags)))),
  restart: stackCommand("Restart service containers", [timeoutFlag], (engine, p, flags, args) =>
    stack().then((m) => m.restartServices(engine, p, args, seconds(flags))),
  ),
  kill: stackCommand(
    "Force stop service containers",
    [{ name: "signal", short: "s", type: "string", description: 'SIGNAL to send to the container (default "SIGKILL")', valueHint: "string" }],
    (engine, p, flags, args) => stack().then((m) => m.killServices(engine, p, args, str(flags.signal) ?? "KILL")),
  ),
  rm: {
    description: "Removes stopped service containers",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [
      { name: "force", short: "f", type: "bool", description: "Don't ask to confirm removal" },
      { name: "stop", short: "s", type: "bool", description: "Stop the containers, if required, before removing" },
      { name: "volumes", short: "v", type: "bool", description: "Remove any anonymous volumes attached to containers" },
    ],
    async run(ctx, project, flags, args) {
      await (await import("../../compose/stack.ts")).removeServices(ctx.engine(), project(), args, { stop: bool(flags.stop), volumes: bool(flags.volumes) });
    },
  },
  config: {
    description: "Parse, resolve and render compose file in canonical format",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [
      { name: "services", type: "bool", description: "Print the service names, one per line" },
      { name: "volumes", type: "bool", description: "Print the volume names, one per line" },
      { name: "networks", type: "bool", description: "Print the network names, one per line" },
      { name: "profiles", type: "bool", description: "Print the profile names, one per line" },
      { name: "format", type: "string", description: 'Format the output. Values: [yaml | json] (default "yaml")', valueHint: "string" },
      { name: "quiet", short: "q", type: "bool", description: "Only validate the configuration, don't print anything" },
    ],
    async run(_ctx, project, flags, args) {
      const { renderConfig } = await import("../../compose/config.ts");
      const format = str(flags.format) ?? "yaml";
      if (format !== "yaml" && format !== "json") throw new UsageError(`unsupported format "${format}": use yaml or json`);
      const p = project();
      if (bool(flags.quiet)) return;
      const lists: Record<string, () => string[]> = {
        services: () => Object.keys(p.services),
        volumes: () => Object.keys(p.volumes),
        networks: () => Object.keys(p.networks),
        profiles: () => [...new Set(Object.values(p.allServices).flatMap((s) => s.profiles ?? []))].sort(),
      };
      for (const [key, names] of Object.entries(lists)) {
        if (!bool(flags[key])) continue;
        for (const n of names()) console.log(n);
        return;
      }
      process.stdout.write(renderConfig(p, args, format));
    },
  },
  exec: {
    description: "Execute a command in a running container",
    usage: "[OPTIONS] SERVICE COMMAND [ARGS...]",
    stopAtFirstPositional: true,
    flags: [
      { name: "detach", short: "d", type: "bool", description: "Detached mode: Run command in the background" },
      { name: "no-TTY", short: "T", type: "bool", description: "Disable pseudo-TTY allocation. By default a TTY is allocated when stdin is a terminal" },
      { name: "env", short: "e", type: "list", description: "Set environment variables", valueHint: "list" },
      { name: "workdir", short: "w", type: "string", description: "Path to workdir directory for this command", valueHint: "string" },
      { name: "user", short: "u", type: "string", description: "Run the command as this user", valueHint: "string" },
      { name: "privileged", type: "bool", description: "Give extended privileges to the process" },
      { name: "index", type: "string", description: "Index of the container if service has multiple replicas", valueHint: "int" },
    ],
    async run(ctx, project, flags, args) {
      if (args.length < 2) throw new UsageError('"compose exec" requires at least 2 arguments: SERVICE COMMAND');
      const { serviceContainer } = await import("../../compose/ps.ts");
      const container = serviceContainer(ctx.engine(), project(), args[0], intValue(flags.index, "--index") ?? 1);
      const tty = !bool(flags["no-TTY"]) && process.stdin.isTTY === true && !bool(flags.detach);
      const argv = [
        ...(bool(flags.detach) ? ["-d"] : ["-i"]),
        ...(tty ? ["-t"] : []),
        ...list(flags.env).flatMap((e) => ["-e", e]),
        ...(str(flags.workdir) ? ["-w", str(flags.workdir) as string] : []),
        ...(str(flags.user) ? ["-u", str(flags.user) as string] : []),
        ...(bool(flags.privileged) ? ["--privileged"] : []),
        container,
        ...args.slice(1),
      ];
      return delegate(ctx, "exec", argv);
    },
  },
  run: {
    description: "Run a one-off command on a service",
    usage: "[OPTIONS] SERVICE [COMMAND] [ARGS...]",
    stopAtFirstPositional: true,
    flags: [
      { name: "rm", type: "bool", description: "Automatically remove the container when it exits" },
      { name: "detach", short: "d", type: "bool", description: "Run container in background and print container ID" },
      { name: "env", short: "e", type: "list", description: "Set environment variables", valueHint: "list" },
      { name: "name", type: "string", description: "Assign a name to the container", valueHint: "string" },
      { name: "entrypoint", type: "string", description: "Override the entrypoint of the image", valueHint: "string" },
      { name: "no-TTY", short: "T", type: "bool", description: "Disable pseudo-TTY allocation (default: auto-detected)" },
      { name: "no-deps", type: "bool", description: "Don't start linked services" },
      { name: "workdir", short: "w", type: "string", description: "Working directory inside the container", valueHint: "string" },
      { name: "user", short: "u", type: "string", description: "Run as specified username or uid", valueHint: "string" },
      { name: "publish", short: "p", type: "list", description: "Publish a container's port(s) to the host", valueHint: "list" },
    ],
    async run(ctx, project, flags, args) {
      if (args.length < 1) throw new UsageError('"compose run" requires at least 1 argument: SERVICE');
      const { runOneOff } = await import("../../compose/run.ts");
      return runOneOff(ctx.engine(), () => loadFor(ctx, [args[0]]), args[0], args.slice(1), {
        rm: bool(flags.rm),
        detach: bool(flags.detach),
        env: list(flags.env),
        name: str(flags.name),
        entrypoint: str(flags.entrypoint),
        tty: !bool(flags["no-TTY"]) && process.stdin.isTTY === true && !bool(flags.detach),
        noDeps: bool(flags["no-deps"]),
        workdir: str(flags.workdir),
        user: str(flags.user),
        publish: list(flags.publish),
      });
    },
  },
  top: {
    description: "Display the running processes",
    usage: "[SERVICES...]",
    flags: [],
    async run(ctx, project, _flags, args) {
      const { selected } = await import("../../compose/stack.ts");
      let code = 0;
      for (const c of selected(ctx.engine(), project(), args).filter((c) => c.record.State.Running)) {
        console.log(c.record.Name.slice(1));
        code = Math.max(code, (await delegate(ctx, "top", [c.record.Id])) ?? 0);
        console.log();
      }
      return code;
    },
  },
  port: {
    description: "Print the public port for a port binding",
    usage: "[OPTIONS] SERVICE PRIVATE_PORT",
    flags: [
      { name: "protocol", type: "string", description: 'tcp or udp (default "tcp")', valueHint: "string" },
      { name: "index", type: "string", description: "Index of the container if service has multiple replicas", valueHint: "int" },
    ],
    async run(ctx, project, flags, args) {
      if (args.length !== 2) throw new UsageError('"compose port" requires exactly 2 arguments: SERVICE PRIVATE_PORT');
      const { serviceContainer } = await import("../../compose/ps.ts");
      const container = serviceContainer(ctx.engine(), project(), args[0], intValue(flags.index, "--index") ?? 1);
      return delegate(ctx, "port", [container, `${args[1]}/${str(flags.protocol) ?? "tcp"}`]);
    },
  },
  images: {
    description: "List images used by the created containers",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [{ name: "quiet", short: "q", type: "bool", description: "Only display IDs" }],
    async run(ctx, project, flags, args) {
      const { listImages } = await import("../../compose/ps.ts");
      listImages(ctx.engine(), project(), args, bool(flags.quiet));
    },
  },
  ls: {
    description: "List running compose projects",
    usage: "[OPTIONS]",
    flags: [
      { name: "all", short: "a", type: "bool", description: "Show all stopped Compose projects" },
      { name: "quiet", short: "q", type: "bool", description: "Only display IDs" },
      { name: "format", type: "string", description: 'Format the output. Values: [table | json] (default "table")', valueHint: "string" },
    ],
    async run(ctx, _project, flags) {
      const { listProjects } = await import("../../compose/ps.ts");
      listProjects(ctx.engine(), { all: bool(flags.all), quiet: bool(flags.quiet), format: str(flags.format) });
    },
  },
  pull: {
    description: "Pull service images",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [{ name: "quiet", short: "q", type: "bool", description: "Pull without printing progress information" }],
    async run(ctx, project, _flags, args) {
      const p = project();
      for (const name of args.length ? args : Object.keys(p.services)) {
        const s = p.services[name];
        if (!s) throw new BunkerError(`no such service: ${name}`, 1);
        if (!s.image) continue; // built, not pulled
        await delegate(ctx, "pull", [s.image]);
      }
    },
  },
  push: {
    description: "Push service images",
    usage: "[SERVICE...]",
    flags: [],
    async run(ctx, project, _flags, args) {
      const { serviceImage } = await import("../../compose/service-config.ts");
      const p = project();
      for (const name of args.length ? args : Object.keys(p.services)) {
        const s = p.services[name];
        if (!s) throw new BunkerError(`no such service: ${name}`, 1);
        if (s.build && s.image) await delegate(ctx, "push", [serviceImage(p, name, s)]);
      }
    },
  },
  build: {
    description: "Build or rebuild services",
    usage: "[OPTIONS] [SERVICE...]",
    flags: [],
    async run(ctx, project, _flags, args) {
      const { composeBuilder } = await import("../../compose/build.ts");
      const builder = composeBuilder(ctx.engine());
      const p = project();
      const names = (args.length ? args : Object.keys(p.services)).filter((n) => p.services[n]?.build);
      await builder.build(p, names);
    },
  },
};

/** Runs one of bunker's own commands (exec, port, top, pull, push) as if typed. */
async function delegate(ctx: CliContext, command: string, argv: string[]): Promise<number> {
  const { COMMANDS } = await import("./index.ts");
  const { runBunkerCommand } = await import("../command.ts");
  return runBunkerCommand((await COMMANDS[command]()).default, ctx, argv);
}

let projectOptions: Parameters<typeof loadProject>[0] | undefined;

function loadFor(_ctx: CliContext, requested: string[] = []): Project {
  if (!projectOptions) throw new Error("internal: compose options not parsed");
  return loadProject(projectOptions, requested);
}

export default defineBunkerCommand({
  name: "compose",
  description: "Define and run multi-container applications",
  usage: "[OPTIONS] COMMAND",
  stopAtFirstPositional: true,
  flags: [
    { name: "file", short: "f", type: "list", description: "Compose configuration files", valueHint: "list" },
    { name: "project-name", short: "p", type: "string", description: "Project name", valueHint: "string" },
    { name: "project-directory", type: "string", description: "Specify an alternate working directory (default: the path of the first specified Compose file)", valueHint: "string" },
    { name: "env-file", type: "list", description: "Specify an alternate environment file", valueHint: "list" },
    { name: "profile", type: "list", description: "Specify a profile to enable", valueHint: "list" },
    { name: "ansi", type: "string", description: 'Control when to print ANSI control characters ("never"|"always"|"auto")', valueHint: "string" },
    { name: "progress", type: "string", description: "Set type of progress output (auto, tty, plain, quiet)", valueHint: "string" },
  ],
  minArgs: 1,
  async run(ctx, { flags, positionals }) {
    const [name, ...rest] = positionals;
    const sub = SUBCOMMANDS[name];
    if (!sub) throw new UsageError(`unknown docker command: "compose ${name}"`, "compose");
    const parsed = parseFlags(rest, sub.flags, { command: `compose ${name}`, stopAtFirstPositional: sub.stopAtFirstPositional });
    if (parsed.help) {
      const { commandHelp } = await import("../help.ts");
      process.stdout.write(commandHelp({ name: `compose ${name}`, ...sub, run: () => 0 } as never, ctx.prog));
      return 0;
    }
    projectOptions = {
      files: list(flags.file),
      projectName: str(flags["project-name"]),
      projectDirectory: str(flags["project-directory"]),
      envFiles: list(flags["env-file"]),
      profiles: list(flags.profile),
      cwd: process.cwd(),
      env: process.env,
    };
    let loaded: Project | undefined;
    const project = () => {
      loaded ??= loadFor(ctx, name === "up" || name === "run" ? parsed.positionals : []);
      return loaded;
    };
    return sub.run(ctx, project, parsed.flags, parsed.positionals);
  },
});
