// The flags `run` and `create` share, and their translation into the API's ContainerCreate body.
import type { ContainerCreateInput, EndpointSettings, PortMap } from "../../../engine/container-create.ts";
import { parseLabels } from "../../../engine/create-container.ts";
import { readEnvFile, withCallerValue } from "../../../engine/env.ts";
import { healthcheckConfig } from "../../../engine/health.ts";
import { logConfig } from "../../../engine/log-config.ts";
import { parseMountSpec } from "../../../engine/mount-spec.ts";
import { parseResourceFlags, type ResourceFlags } from "../../../engine/resources.ts";
import { parseRestartPolicy, type RestartPolicy } from "../../../engine/restart-policy.ts";
import { securityHostConfig } from "../../../engine/security.ts";
import { signalNumber } from "../../../engine/signals.ts";
import { usernsConfig } from "../../../engine/userns.ts";
import { UsageError } from "../../../lib/errors.ts";
import { parseExpose, parsePublish } from "../../../network/ports.ts";
import type { CliContext } from "../../command.ts";
import { bool, type FlagSpec, type FlagValues, intValue, list, str } from "../../flags.ts";

export const CREATE_FLAGS: FlagSpec[] = [
  { name: "env", short: "e", type: "list", description: "Set environment variables", valueHint: "list" },
  { name: "env-file", type: "list", description: "Read in a file of environment variables", valueHint: "list" },
  { name: "entrypoint", type: "string", description: "Overwrite the default ENTRYPOINT of the image", valueHint: "string" },
  { name: "hostname", short: "h", type: "string", description: "Container host name", valueHint: "string" },
  { name: "domainname", type: "string", description: "Container NIS domain name", valueHint: "string" },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open even if not attached" },
  { name: "label", short: "l", type: "list", description: "Set meta data on a container", valueHint: "list" },
  { name: "label-file", type: "list", description: "Read in a line delimited file of labels", valueHint: "list" },
  { name: "name", type: "string", description: "Assign a name to the container", valueHint: "string" },
  { name: "network", type: "string", description: "Connect a container to a network (bridge, none, host, container:<name|id>, or a user network)", valueHint: "network" },
  { name: "net", type: "string", description: "Alias of --network", valueHint: "network" },
  { name: "publish", short: "p", type: "list", description: "Publish a container's port(s) to the host", valueHint: "list" },
  { name: "publish-all", short: "P", type: "bool", description: "Publish all exposed ports to random ports" },
  { name: "expose", type: "list", description: "Expose a port or a range of ports", valueHint: "list" },
  { name: "ip", type: "string", description: "IPv4 address (e.g., 172.30.100.104)", valueHint: "string" },
  { name: "mac-address", type: "string", description: "Container MAC address (e.g., 92:d0:c6:0a:29:33)", valueHint: "string" },
  { name: "dns", type: "list", description: "Set custom DNS servers", valueHint: "list" },
  { name: "dns-search", type: "list", description: "Set custom DNS search domains", valueHint: "list" },
  { name: "dns-option", type: "list", description: "Set DNS options", valueHint: "list" },
  { name: "add-host", type: "list", description: "Add a custom host-to-IP mapping (host:ip)", valueHint: "list" },
  { name: "link", type: "list", description: "Add link to another container", valueHint: "list" },
  { name: "network-alias", type: "list", description: "Add network-scoped alias for the container", valueHint: "list" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable", valueHint: "string" },
  { name: "pull", type: "string", description: 'Pull image before running ("always", "missing", "never")', valueHint: "string" },
  { name: "read-only", type: "bool", description: "Mount the container's root filesystem as read only" },
  { name: "restart", type: "string", description: "Restart policy to apply when a container exits (no, always, unless-stopped, on-failure[:N])", valueHint: "string" },
  { name: "init", type: "bool", description: "Run an init inside the container that forwards signals and reaps processes" },
  { name: "stop-signal", type: "string", description: "Signal to stop the container", valueHint: "string" },
  { name: "stop-timeout", type: "string", description: "Timeout (in seconds) to stop a container", valueHint: "int" },
  { name: "rm", type: "bool", description: "Automatically remove the container and its associated anonymous volumes when it exits" },
  { name: "tmpfs", type: "list", description: "Mount a tmpfs directory", valueHint: "list" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "user", short: "u", type: "string", description: "Username or UID (format: <name|uid>[:<group|gid>])", valueHint: "string" },
  { name: "volume", short: "v", type: "list", description: "Bind mount a volume", valueHint: "list" },
  { name: "mount", type: "list", description: "Attach a filesystem mount to the container", valueHint: "mount" },
  { name: "volumes-from", type: "list", description: "Mount volumes from the specified container(s)", valueHint: "list" },
  { name: "workdir", short: "w", type: "string", description: "Working directory inside the container", valueHint: "string" },
  // Resource limits and devices (cgroups); values are checked by resourceHostConfig in engine/resources.ts.
  { name: "memory", short: "m", type: "string", description: "Memory limit", valueHint: "bytes" },
  { name: "memory-swap", type: "string", description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", valueHint: "bytes" },
  { name: "memory-reservation", type: "string", description: "Memory soft limit", valueHint: "bytes" },
  { name: "cpus", type: "string", description: "Number of CPUs", valueHint: "decimal" },
  { name: "cpu-shares", short: "c", type: "string", description: "CPU shares (relative weight)", valueHint: "int" },
  { name: "cpuset-cpus", type: "string", description: "CPUs in which to allow execution (0-3, 0,1)", valueHint: "string" },
  { name: "cpuset-mems", type: "string", description: "MEMs in which to allow execution (0-3, 0,1)", valueHint: "string" },
  { name: "pids-limit", type: "string", description: "Tune container pids limit (set -1 for unlimited)", valueHint: "int" },
  { name: "shm-size", type: "string", description: "Size of /dev/shm", valueHint: "bytes" },
  { name: "device", type: "list", description: "Add a host device to the container", valueHint: "list" },
  // Security (engine/security.ts checks the values). --privileged sets HostConfig.Privileged: all capabilities,
  // no seccomp, no masked or read-only paths, /sys writable; runtime-spec.ts adds every host device and no device rules.
  { name: "cap-add", type: "list", description: "Add Linux capabilities", valueHint: "list" },
  { name: "cap-drop", type: "list", description: "Drop Linux capabilities", valueHint: "list" },
  { name: "privileged", type: "bool", description: "Give extended privileges to this container" },
  { name: "security-opt", type: "list", description: "Security Options", valueHint: "list" },
  { name: "ulimit", type: "list", description: "Ulimit options", valueHint: "ulimit" },
  { name: "oom-score-adj", type: "string", description: "Tune host's OOM preferences (-1000 to 1000)", valueHint: "int" },
  // User namespace (engine/userns.ts): host is the default; --uidmap/--gidmap make a private one, as in podman.
  { name: "userns", type: "string", description: 'User namespace to use ("host", the default)', valueHint: "string" },
  { name: "uidmap", type: "list", description: "UID map for a private user namespace (CONTAINER_ID:HOST_ID:SIZE)", valueHint: "list" },
  { name: "gidmap", type: "list", description: "GID map for a private user namespace (CONTAINER_ID:HOST_ID:SIZE)", valueHint: "list" },
  // Health check (engine/health.ts): merged field by field with the image's HEALTHCHECK.
  { name: "health-cmd", type: "string", description: "Command to run to check health", valueHint: "string" },
  { name: "health-interval", type: "string", description: "Time between running the check (ms|s|m|h) (default 0s)", valueHint: "duration" },
  { name: "health-retries", type: "string", description: "Consecutive failures needed to report unhealthy", valueHint: "int" },
  { name: "health-timeout", type: "string", description: "Maximum time to allow one check to run (ms|s|m|h) (default 0s)", valueHint: "duration" },
  { name: "health-start-period", type: "string", description: "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)", valueHint: "duration" },
  { name: "health-start-interval", type: "string", description: "Time between running the check during the start period (ms|s|m|h) (default 0s)", valueHint: "duration" },
  { name: "no-healthcheck", type: "bool", description: "Disable any container-specified HEALTHCHECK" },
  // Logging (engine/log-config.ts checks the values).
  { name: "log-driver", type: "string", description: "Logging driver for the container (json-file, none)", valueHint: "string" },
  { name: "log-opt", type: "list", description: "Log driver options (max-size, max-file)", valueHint: "list" },
];

/** Makes sure the image is there, pulling as --pull says; pull progress goes to stderr so stdout stays the container's. */
export async function ensureImageFor(ctx: CliContext, flags: FlagValues, image: string): Promise<void> {
  const { ensureImage, parsePullPolicy } = await import("../../../engine/ensure-image.ts");
  const { progressPrinter } = await import("../../progress.ts");
  const progress = progressPrinter(process.stderr, false);
  await ensureImage(ctx.engine(), image, parsePullPolicy(str(flags.pull)), progress, str(flags.platform));
  progress.finish();
}

/** What `create` sends: the API's ContainerCreate body, and the query's name and platform. */
export interface CreateRequest {
  body: ContainerCreateInput;
  name?: string;
  platform?: string;
}

/**
 * The flags as the docker CLI turns them into a ContainerCreate body
 * (cli/command/container/opts.go parse()): units into numbers, files read,
 * specs into objects. The engine checks the result (checkCreateBody).
 */
export function createRequest(flags: FlagValues, positionals: string[]): CreateRequest {
  const volumes = list(flags.volume);
  const entrypoint = str(flags.entrypoint);
  const autoRemove = bool(flags.rm);
  const network = networkBody(flags);
  const body: ContainerCreateInput = {
    Hostname: str(flags.hostname) ?? "",
    Domainname: str(flags.domainname) ?? "",
    User: str(flags.user) ?? "",
    AttachStdin: bool(flags.interactive),
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: network.exposed,
    Tty: bool(flags.tty),
    OpenStdin: bool(flags.interactive),
    // As the docker CLI: -i closes the container's stdin when the attached client's closes (run -d clears it).
    StdinOnce: bool(flags.interactive),
    Env: [...list(flags["env-file"]).flatMap(readEnvFile), ...list(flags.env)].map(withCallerValue),
    Cmd: positionals.slice(1),
    Healthcheck: healthcheckConfig({
      cmd: str(flags["health-cmd"]),
      interval: str(flags["health-interval"]),
      timeout: str(flags["health-timeout"]),
      startPeriod: str(flags["health-start-period"]),
      startInterval: str(flags["health-start-interval"]),
      retries: str(flags["health-retries"]),
      none: bool(flags["no-healthcheck"]),
    }),
    Image: positionals[0],
    // As the docker CLI: `-v /path` (no source) is an anonymous volume in Volumes; the rest are Binds.
    Volumes: Object.fromEntries(volumes.filter((v) => !v.includes(":")).map((v) => [v, {}])),
    WorkingDir: str(flags.workdir) ?? "",
    // `--entrypoint ""` resets the image's: the docker CLI sends [""].
    Entrypoint: entrypoint === undefined ? null : [entrypoint],
    Labels: { ...parseLabels(list(flags["label-file"]).flatMap(readEnvFile)), ...parseLabels(list(flags.label)) },
    StopSignal: stopSignal(str(flags["stop-signal"])),
    StopTimeout: intValue(flags["stop-timeout"], "--stop-timeout"),
    HostConfig: {
      Binds: volumes.filter((v) => v.includes(":")),
      LogConfig: logConfig(str(flags["log-driver"]), list(flags["log-opt"])),
      NetworkMode: network.mode,
      PortBindings: network.bindings,
      RestartPolicy: restartPolicy(str(flags.restart), autoRemove),
      AutoRemove: autoRemove,
      VolumesFrom: list(flags["volumes-from"]),
      Dns: list(flags.dns),
      DnsOptions: list(flags["dns-option"]),
      DnsSearch: list(flags["dns-search"]),
      ExtraHosts: list(flags["add-host"]),
      Links: list(flags.link),
      PublishAllPorts: bool(flags["publish-all"]),
      ReadonlyRootfs: bool(flags["read-only"]),
      Tmpfs: Object.fromEntries(list(flags.tmpfs).map(splitTmpfs)),
      Init: bool(flags.init),
      Mounts: list(flags.mount).map(parseMountSpec),
      ...parseResourceFlags({ ...limitFlags(flags), shmSize: str(flags["shm-size"]), devices: list(flags.device) }),
      ...securityHostConfig({
        capAdd: list(flags["cap-add"]),
        capDrop: list(flags["cap-drop"]),
        privileged: bool(flags.privileged),
        securityOpt: list(flags["security-opt"]),
        ulimits: list(flags.ulimit),
        oomScoreAdj: intValue(flags["oom-score-adj"], "--oom-score-adj"),
      }),
      ...usernsConfig({ userns: str(flags.userns), uidmap: list(flags.uidmap), gidmap: list(flags.gidmap) }),
    },
    NetworkingConfig: network.endpoints,
  };
  return { body, name: str(flags.name), platform: str(flags.platform) };
}

/** `--tmpfs /path[:options]`. */
function splitTmpfs(spec: string): [string, string] {
  const i = spec.indexOf(":");
  return i < 0 ? [spec, ""] : [spec.slice(0, i), spec.slice(i + 1)];
}

/** The cgroup limit flags, which `update` takes too, as resources.ts reads them. */
export function limitFlags(flags: FlagValues): Omit<ResourceFlags, "shmSize" | "devices"> {
  return {
    memory: str(flags.memory),
    memorySwap: str(flags["memory-swap"]),
    memoryReservation: str(flags["memory-reservation"]),
    cpus: str(flags.cpus),
    cpuShares: str(flags["cpu-shares"]),
    cpusetCpus: str(flags["cpuset-cpus"]),
    cpusetMems: str(flags["cpuset-mems"]),
    pidsLimit: str(flags["pids-limit"]),
  };
}

function restartPolicy(text: string | undefined, autoRemove: boolean): RestartPolicy | undefined {
  if (text === undefined) return undefined;
  const policy = parseRestartPolicy(text);
  if (typeof policy === "string") throw new UsageError(policy);
  if (autoRemove && policy.Name !== "no") throw new UsageError("Conflicting options: --restart and --rm");
  return policy;
}

function stopSignal(text: string | undefined): string | undefined {
  if (text !== undefined && signalNumber(text) === undefined) throw new UsageError(`invalid signal: ${text}`);
  return text;
}

/** -p, --expose, --network, --ip, --network-alias and --mac-address, as the docker CLI puts them in the body. */
function networkBody(flags: FlagValues) {
  const bindings: PortMap = {};
  for (const p of list(flags.publish)) parsePublish(p, bindings);
  const exposed: Record<string, object> = {};
  for (const e of list(flags.expose)) parseExpose(e, exposed);
  for (const key of Object.keys(bindings)) exposed[key] = {};
  const mode = str(flags.network) ?? str(flags.net) ?? "default";
  const ip = str(flags.ip);
  const aliases = list(flags["network-alias"]);
  const mac = str(flags["mac-address"]);
  const endpoint: EndpointSettings = { ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}), ...(aliases.length ? { Aliases: aliases } : {}), ...(mac ? { MacAddress: mac } : {}) };
  const endpoints = Object.keys(endpoint).length > 0 ? { EndpointsConfig: { [mode]: endpoint } } : {};
  return { mode, bindings, exposed, endpoints };
}
