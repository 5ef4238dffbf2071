// Flags -> ContainerCreate body, checked against the real docker CLI: the docker
// client at /usr/local/bin/docker is pointed at a fake unix-socket Engine API
// that records the body of POST /containers/create; bunker's createRequest must
// give the same container once the engine has checked both (checkCreateBody),
// for every field bunker implements.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CREATE_FLAGS, createRequest } from "../../../src/cli/commands/container/create-flags.ts";
import { parseFlags } from "../../../src/cli/flags.ts";
import { type CheckedCreate, checkCreateBody } from "../../../src/engine/create-container.ts";
import { mergeEnv } from "../../../src/engine/env.ts";

const DOCKER = "/usr/local/bin/docker";
const dir = mkdtempSync(join(tmpdir(), "bunker-create-body-"));
const socket = join(dir, "docker.sock");
let server: ReturnType<typeof Bun.serve> | undefined;
interface Recorded {
  body: unknown;
  query: URLSearchParams;
}
let recorded: Recorded | undefined;

beforeAll(() => {
  writeFileSync(join(dir, "labels"), "from=file\n# comment\nbare\n");
  writeFileSync(join(dir, "env"), "FILE=1\nOVER=file\n");
  server = Bun.serve({
    unix: socket,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname.endsWith("/_ping")) return new Response("OK", { headers: { "Api-Version": "1.50", OSType: "linux" } });
      if (url.pathname.endsWith("/containers/create")) {
        recorded = { body: await req.json(), query: url.searchParams };
        return Response.json({ Id: "0".repeat(64), Warnings: [] }, { status: 201 });
      }
      return Response.json({ message: "not here" }, { status: 404 });
    },
  });
});

afterAll(() => {
  server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** What the docker CLI sends for `docker create ARGS` (spawned async: this process serves its requests). */
async function dockerBody(args: string[]): Promise<{ body: unknown; name: string | null }> {
  recorded = undefined;
  const env = { ...process.env, DOCKER_CONFIG: dir, BUNKER_TEST_VAR: "from caller" };
  const p = Bun.spawn([DOCKER, "-H", `unix://${socket}`, "create", ...args], { env, stdout: "pipe", stderr: "pipe" });
  const stderr = await new Response(p.stderr).text();
  await p.exited;
  const got = recorded as Recorded | undefined; // set by the server meanwhile
  if (!got) throw new Error(`docker create ${args.join(" ")} sent nothing: ${stderr}`);
  return { body: got.body, name: got.query.get("name") };
}

/** Zero values (Go's and ours) read as absent, so a field left out equals one sent empty. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => clean(x) ?? null);
  if (v && typeof v === "object") {
    const out = Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (clean(x) === undefined ? [] : [[k, clean(x)]])));
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null || v === "" || v === false || v === 0 ? undefined : v;
}

/** Go's map order makes the docker CLI's order of Env and Binds vary between runs: compare what they amount to. */
const envValues = (env: string[] | null | undefined) => mergeEnv(env ?? []).sort();
const sorted = (list: string[] | null | undefined) => [...(list ?? [])].sort();

/** The fields bunker implements, as the engine has checked them. */
function supported(c: CheckedCreate) {
  const { body: b, hostConfig: hc } = c;
  const endpoints = b.NetworkingConfig?.EndpointsConfig ?? {};
  return clean({
    Config: {
      Hostname: b.Hostname, Domainname: b.Domainname, User: b.User, AttachStdin: b.AttachStdin, AttachStdout: b.AttachStdout, AttachStderr: b.AttachStderr,
      ExposedPorts: b.ExposedPorts, Tty: b.Tty, OpenStdin: b.OpenStdin, StdinOnce: b.StdinOnce, Env: envValues(b.Env), Cmd: b.Cmd, Image: b.Image, Volumes: b.Volumes,
      WorkingDir: b.WorkingDir, Entrypoint: b.Entrypoint, Labels: b.Labels, StopSignal: b.StopSignal, StopTimeout: b.StopTimeout, Healthcheck: c.healthcheck,
    },
    HostConfig: {
      Binds: sorted(hc.Binds), NetworkMode: hc.NetworkMode, PortBindings: hc.PortBindings, AutoRemove: hc.AutoRemove, VolumesFrom: hc.VolumesFrom,
      Dns: hc.Dns, DnsOptions: hc.DnsOptions, DnsSearch: hc.DnsSearch, ExtraHosts: hc.ExtraHosts, Links: hc.Links, PublishAllPorts: hc.PublishAllPorts,
      ReadonlyRootfs: hc.ReadonlyRootfs, Init: hc.Init, ...c.resources, ...c.security, UsernsMode: c.userns.UsernsMode,
      RestartPolicy: c.restartPolicy, LogConfig: c.logConfig, Mounts: c.mounts, Tmpfs: c.tmpfs,
    },
    Endpoints: Object.fromEntries(Object.entries(endpoints).map(([k, e]) => [k, { IP: e?.IPAMConfig?.IPv4Address, Aliases: e?.Aliases, MacAddress: e?.MacAddress }])),
  });
}

/** What bunker's CLI makes of the same arguments. */
function bunkerBody(args: string[]): { body: unknown; name: string | null } {
  const saved = process.env.BUNKER_TEST_VAR;
  process.env.BUNKER_TEST_VAR = "from caller";
  try {
    const parsed = parseFlags(args, CREATE_FLAGS, { command: "create", stopAtFirstPositional: true });
    const req = createRequest(parsed.flags, parsed.positionals);
    return { body: req.body, name: req.name ?? null };
  } finally {
    if (saved === undefined) delete process.env.BUNKER_TEST_VAR;
    else process.env.BUNKER_TEST_VAR = saved;
  }
}

const CASES: string[][] = [
  ["busybox"],
  ["--name", "web", "busybox", "echo", "hi"],
  ["--memory", "512m", "--memory-reservation", "64m", "--memory-swap", "1g", "--cpus", "1.5", "--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "50", "--shm-size", "1g", "busybox"],
  ["-p", "8080:80", "-p", "127.0.0.1:9000-9001:90-91/udp", "-p", "53", "--expose", "7000-7001", "-P", "busybox"],
  ["-e", "A=1", "-e", "BUNKER_TEST_VAR", "-e", "NOT_SET_ANYWHERE_XYZ", "--env-file", join(dir, "env"), "-e", "OVER=flag", "busybox"],
  ["-l", "a=b", "--label", "c", "--label-file", join(dir, "labels"), "busybox"],
  ["--health-cmd", "true", "--health-interval", "2s", "--health-timeout", "1500ms", "--health-retries", "4", "--health-start-period", "1m", "busybox"],
  ["--health-interval", "2s", "busybox"],
  ["--no-healthcheck", "busybox"],
  ["--restart", "on-failure:3", "busybox"],
  ["--restart", "unless-stopped", "busybox"],
  ["--rm", "-it", "busybox", "sh"],
  ["--ulimit", "nofile=10:20", "--ulimit", "nproc=5", "--ulimit", "nofile=30:40", "busybox"],
  ["--device", "/dev/null:/dev/x:r", "--device", "/dev/zero", "--device", "/dev/full:rw", "busybox"],
  ["--log-driver", "json-file", "--log-opt", "max-size=1m", "--log-opt", "max-file=3", "busybox"],
  ["--log-opt", "max-size=10k", "busybox"],
  ["-v", "/h:/c:ro", "-v", "/anon", "-v", "vol:/data", "--tmpfs", "/t:size=1m", "--tmpfs", "/u", "busybox"],
  ["--mount", "type=volume,src=vol,dst=/v,volume-nocopy", "--mount", "type=bind,source=/h,target=/b,readonly", "--mount", "type=tmpfs,dst=/tm,tmpfs-size=1m", "busybox"],
  ["--entrypoint", "", "busybox", "echo"],
  ["--entrypoint", "/bin/sh", "busybox"],
  ["--network", "mynet", "--ip", "10.0.0.2", "--network-alias", "x", "--network-alias", "y", "busybox"],
  ["--network", "host", "busybox"],
  ["--network", "container:other", "busybox"],
  ["--dns", "1.1.1.1", "--dns-search", "example.com", "--dns-option", "ndots:2", "--add-host", "h:1.2.3.4", "busybox"],
  ["--cap-add", "net_admin", "--cap-drop", "CAP_CHOWN", "--security-opt", "no-new-privileges", "--oom-score-adj", "-5", "--privileged", "busybox"],
  ["-w", "/tmp", "-u", "1:2", "-h", "hh", "--domainname", "example.org", "--stop-signal", "SIGTERM", "--stop-timeout", "3", "--init", "--read-only", "busybox"],
  ["--volumes-from", "a:ro", "--link", "db:alias", "--userns", "host", "busybox"],
];

describe.skipIf(!existsSync(DOCKER))("flags -> ContainerCreate body, against the docker CLI", () => {
  test.each(CASES.map((c) => [c.join(" "), c] as const))("docker create %s", async (_, args) => {
    const docker = await dockerBody(args);
    const ours = bunkerBody(args);
    expect(ours.name).toBe(docker.name);
    expect(supported(checkCreateBody(ours.body))).toEqual(supported(checkCreateBody(docker.body)));
  });
});
