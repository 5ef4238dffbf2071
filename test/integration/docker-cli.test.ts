// bunker as a drop-in `docker`: a shell script run with a `docker` symlink first
// on PATH gets the outputs and exit codes docker documents; help, global options
// and inspect as docker shows them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../fixtures/net.ts";
import { Bunker, BUNKER, expectOneLineError } from "./harness.ts";

let b: Bunker;
let bin: string; // holds the `docker` symlink
beforeAll(() => {
  b = Bunker.withBusybox();
  bin = mkdtempSync("/var/tmp/bunker-docker-");
  symlinkSync(BUNKER, join(bin, "docker"));
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  b.cleanup();
});

/** Runs a bash script with `docker` meaning bunker (on this test's root). */
function script(text: string): { stdout: string; stderr: string; exitCode: number } {
  const r = Bun.spawnSync(["bash", "-c", text], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, BUNKER_ROOT: b.root }, stdin: "ignore" });
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
}

test("a docker script: exit codes, inspect -f, images --format, ps -aq | xargs docker rm -f", () => {
  const r = script(`
    docker run --rm busybox sh -c 'exit 3'; echo "run: $?"
    docker run --name x busybox sh -c 'exit 5'; echo "run x: $?"
    docker inspect -f '{{.State.ExitCode}}' x
    docker images --format '{{.Repository}}:{{.Tag}}'
    docker create --name y busybox true >/dev/null
    docker create --name z busybox true >/dev/null
    docker rm y nope z 2>&1; echo "rm: $?"
    docker create --name y busybox true >/dev/null
    docker ps -aq | xargs docker rm -f >/dev/null; echo "xargs: $?"
    echo "left: $(docker ps -aq | wc -l)"
    docker run --rm busybox /no/such/binary 2>/dev/null; echo "not found: $?"
    docker run --rm busybox /etc 2>/dev/null; echo "not executable: $?"
    docker run --bogus busybox; echo "bad flag: $?"
    docker inspect nope 2>&1; echo "missing: $?"
    docker frobnicate; echo "unknown: $?"
    docker --version | cut -d, -f1 | cut -d' ' -f1,2
  `);
  expect(r.stdout).toBe(
    [
      "run: 3",
      "run x: 5",
      "5",
      "busybox:latest",
      "y",
      "z",
      "Error response from daemon: No such container: nope",
      "rm: 1",
      "xargs: 0",
      "left: 0",
      "not found: 127",
      "not executable: 126",
      "bad flag: 125",
      "[]",
      "Error: No such object: nope", // after the output, as docker's
      "missing: 1",
      "unknown: 1",
      "Docker version",
      "",
    ].join("\n"),
  );
  // Errors name the program as it was called.
  expect(r.stderr).toContain("docker: unknown flag: --bogus\nSee 'docker run --help'.\n");
  expect(r.stderr).toContain("docker: 'frobnicate' is not a docker command.\nSee 'docker --help'.\n");
});

test("a docker script: run -d --name web -p PORT:80, then docker port web 80", () => {
  const port = freePort();
  const r = script(`
    docker run -d --name web -p ${port}:80 busybox httpd -f -p 80 >/dev/null
    docker port web 80
    docker port web
    docker rm -f web >/dev/null
  `);
  expect(r.stdout).toBe(`0.0.0.0:${port}\n80/tcp -> 0.0.0.0:${port}\n`);
  expect(r.exitCode).toBe(0);
});

describe("help, docker's layout", () => {
  test("bunker --help: usage, management commands, commands, global options", () => {
    const help = b.ok(["--help"]);
    expect(help).toStartWith("\nUsage:  bunker [OPTIONS] COMMAND\n\nA daemonless, Docker-compatible container engine\n\nManagement Commands:\n  builder     Manage builds\n  container   Manage containers\n");
    expect(help).toContain("\nCommands:\n  attach      Attach local standard input, output, and error streams to a running container\n");
    expect(help).toMatch(/ {2}-l, --log-level string +Set the logging level/);
    expect(help).toEndWith("\nRun 'bunker COMMAND --help' for more information on a command.\n");
  });

  test("a command's --help, and a group's", () => {
    expect(b.ok(["ps", "--help"])).toStartWith("\nUsage:  bunker ps [OPTIONS]\n\nList containers\n\nOptions:\n  -a, --all             Show all containers (default shows just running)\n  -f, --filter filter   Filter output based on conditions provided\n");
    for (const args of [["volume"], ["volume", "--help"]]) {
      expect(b.ok(args)).toBe(
        "\nUsage:  bunker volume COMMAND\n\nManage volumes\n\nCommands:\n" +
          "  create      Create a volume\n  ls          List volumes\n  inspect     Display detailed information on one or more volumes\n" +
          "  rm          Remove one or more volumes\n  prune       Remove unused local volumes\n\nRun 'bunker volume COMMAND --help' for more information on a command.\n",
      );
    }
    expectOneLineError(b.run(["volume", "nope"]), 1, /^bunker: 'volume nope' is not a bunker command\.\n/);
    expect(b.ok(["help", "volume", "ls"])).toBe(b.ok(["volume", "ls", "--help"]));
  });
});

describe("global options", () => {
  test("--log-level is checked, -D and --config are taken, -H and DOCKER_HOST are refused", () => {
    expectOneLineError(b.run(["--log-level", "loud", "ps"]), 1, /^bunker: Unable to parse logging level: loud\n$/);
    expect(b.run(["-D", "-l", "warn", "--config", bin, "ps"]).exitCode).toBe(0);
    expectOneLineError(b.run(["-H", "tcp://x:2375", "ps"]), 125, /^bunker: bunker has no daemon and no API socket yet/);
    expectOneLineError(b.run(["ps"], { env: { DOCKER_HOST: "unix:///var/run/docker.sock" } }), 125, /^bunker: DOCKER_HOST is set, but bunker has no daemon/);
    expectOneLineError(b.run(["--bogus", "ps"]), 125, /^bunker: unknown flag: --bogus\nSee 'bunker --help'\.\n$/);
  });

  test("--config DIR is where the client config is (as DOCKER_CONFIG)", () => {
    const config = join(bin, "config");
    mkdirSync(config);
    writeFileSync(join(config, "config.json"), JSON.stringify({ auths: { "localhost:5999": { auth: "dTpw" } } }));
    expect(b.ok(["--config", config, "logout", "localhost:5999"])).toBe("Removing login credentials for localhost:5999\n");
    expect(JSON.parse(readFileSync(join(config, "config.json"), "utf8")).auths).toEqual({});
  });
});

test("on a terminal too, errors are plain text: docker never colours them", () => {
  const r = Bun.spawnSync(["script", "-qec", `${BUNKER} --root ${b.root} rm nope`, "/dev/null"], { stdin: "ignore" });
  expect(r.stdout.toString()).toBe("Error response from daemon: No such container: nope\r\n");
});

describe("inspect", () => {
  beforeAll(() => {
    b.ok(["create", "--name", "insp", "busybox", "true"]);
    b.ok(["volume", "create", "insp-vol"]);
  });
  afterAll(() => {
    b.ok(["rm", "insp"]);
    b.ok(["volume", "rm", "insp-vol"]);
  });

  test("several objects at once, of each kind, in one 4-space-indented array", () => {
    const out = b.ok(["inspect", "insp", "busybox", "insp-vol"]);
    expect(out).toStartWith('[\n    {\n        "Id": "');
    const [c, i, v] = JSON.parse(out);
    expect([c.Name, i.RepoTags, v.Name]).toEqual(["/insp", ["busybox:latest"], "insp-vol"]);
    expect(Object.keys(c)).toEqual(expect.arrayContaining(["Id", "Created", "State", "Config", "HostConfig", "Mounts", "GraphDriver"]));
    expect(c.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  });

  test("--type narrows the search, and names the kind in the error", () => {
    expect(b.ok(["inspect", "--type", "volume", "-f", "{{.Driver}}", "insp-vol"])).toBe("local\n");
    const r = b.run(["inspect", "--type", "image", "insp"]);
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(["[]\n", "Error: No such image: insp\n", 1]);
    expectOneLineError(b.run(["inspect", "--type", "pod", "insp"]), 1, /^bunker: "pod" is not a valid value for --type\n$/);
  });

  test("a missing one: the others are printed, then exit code 1", () => {
    const r = b.run(["inspect", "-f", "{{.Name}}", "insp", "nope"]);
    expect([r.stdout, r.stderr, r.exitCode]).toEqual(["/insp\n", "Error: No such object: nope\n", 1]);
  });

  test("-s adds the container's sizes; ps -s shows them", () => {
    const [rw, rootfs, image] = b.ok(["inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", "insp"]).trim().split(" ").map(Number);
    expect(rw).toBe(0); // never started: nothing written
    expect(rootfs).toBeGreaterThan(0);
    expect(image).toBeUndefined();
    expect(b.ok(["ps", "-a", "-s", "--format", "{{.Names}} {{.Size}}", "-f", "name=insp"])).toMatch(/^insp 0B \(virtual [\d.]+MB\)\n$/);
  });
});
