// Issue 15 item 1: strings from an image config, an env file, a compose file or
// a Dockerfile must never split into extra operations of the native program.
// Each case below was a working escape while the program's words were only
// NUL-separated: it mounted the host's / into the container, ran a command
// before capabilities and seccomp applied, or replaced the command.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostileArchive } from "../../fixtures/hostile-image.ts";
import { Bunker, busyboxTar, expectOneLineError } from "../harness.ts";

let b: Bunker;
let scratch: string;
let marker: string;
const SECRET = `host-secret-${process.pid}`;

beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-nul-");
  marker = join(scratch, "marker");
  writeFileSync(marker, SECRET);
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const BIND_REC = String(4096 | 16384);
/** Runs the program's exec op with full capabilities and no seccomp: it comes before the credential ops. */
const EARLY_EXEC = ["exec", "/bin", "3", "0", "/bin/sh", "-c", "grep -E '^(CapEff|Seccomp):' /proc/self/status"].join("\0");

async function load(tag: string, config: Record<string, unknown>): Promise<void> {
  const file = join(scratch, `${tag.replace(/\W/g, "_")}.tar`);
  writeFileSync(file, await hostileArchive(busyboxTar(), config, tag));
  b.ok(["load", "-i", file]);
}

/** The attack was refused in one line, exit 125, and nothing it asked for ran. */
function refused(r: ReturnType<Bunker["run"]>): void {
  expectOneLineError(r, 125, /NUL byte/);
  expect(r.stdout).not.toContain("CapEff");
  expect(r.stdout).not.toContain(SECRET);
  expect(r.stdout).not.toContain("INJECTED");
}

describe("a NUL byte in an image string", () => {
  test("a Volumes key cannot mount the host's / into the container", async () => {
    // rmount SRC "/x" | "" FLAGS d "" | rmount / /host "" BIND|REC d "" | rmount /tmp /x2 <the real op's last four words>
    const key = ["/x", "", BIND_REC, "d", "", "rmount", "/", "/host", "", BIND_REC, "d", "", "rmount", "/tmp", "/x2"].join("\0");
    await load("evil/volume:1", { Volumes: { [key]: {} } });
    refused(b.run(["run", "--rm", "evil/volume:1", "cat", `/host${marker}`]));
  });

  test("a WorkingDir cannot run a command before capabilities and seccomp apply", async () => {
    await load("evil/workdir:1", { WorkingDir: `/\0${EARLY_EXEC}` });
    refused(b.run(["run", "--rm", "evil/workdir:1", "true"]));
  });

  test("an Env entry cannot rewrite the command", async () => {
    await load("evil/env:1", { Env: ["PATH=/bin\x003\x000\x00/bin/sh\x00-c\x00echo INJECTED"], Cmd: ["echo", "clean"] });
    refused(b.run(["run", "--rm", "evil/env:1"]));
  });

  test("the refusal names where the NUL is", async () => {
    await load("evil/user:1", { User: "0\0bounding\x000" });
    const r = b.run(["run", "--rm", "evil/user:1", "true"]);
    refused(r);
    expect(r.stderr).toContain("Config.User");
  });
});

describe("a NUL byte from the user's own files", () => {
  test("an --env-file line cannot rewrite the command", () => {
    const file = join(scratch, "env");
    writeFileSync(file, "PATH=/bin\x003\x000\x00/bin/sh\x00-c\x00echo INJECTED\n");
    refused(b.run(["run", "--rm", "--env-file", file, "busybox", "echo", "clean"]));
  });

  test("a compose working_dir cannot run a command before capabilities apply", () => {
    const dir = join(scratch, "compose");
    mkdirSync(dir);
    // YAML's "\0" escape is a NUL in a double-quoted string.
    const payload = `/${"\0"}${EARLY_EXEC}`.replaceAll("\0", "\\0").replaceAll('"', '\\"');
    writeFileSync(join(dir, "compose.yaml"), `services:\n  app:\n    image: busybox\n    working_dir: "${payload}"\n    command: ["true"]\n`);
    const r = b.run(["compose", "--project-directory", dir, "-f", join(dir, "compose.yaml"), "up"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/NUL byte/);
    expect(r.stdout + r.stderr).not.toContain("CapEff");
    b.run(["compose", "--project-directory", dir, "-f", join(dir, "compose.yaml"), "down"]);
  });

  test("a Dockerfile WORKDIR cannot run a command before capabilities apply", () => {
    const dir = join(scratch, "build");
    mkdirSync(dir);
    writeFileSync(join(dir, "Dockerfile"), `FROM busybox\nWORKDIR /w\0${EARLY_EXEC}\nRUN true\n`);
    const r = b.run(["build", "-q", "-t", "evil/build:1", dir]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/NUL byte/);
    expect(r.stdout + r.stderr).not.toContain("CapEff");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
