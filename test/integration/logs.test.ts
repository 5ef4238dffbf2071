// `logs` through the compiled binary. The log writer (the container monitor)
// is not wired in yet, so the tests write Docker's json-file lines into the
// container's directory themselves, as the writer will.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const logPath = (id: string, suffix = "") => join(b.root, "containers", id, `${id}-json.log${suffix}`);
const entry = (log: string, time: string, stream = "stdout") => `${JSON.stringify({ log, stream, time })}\n`;

describe("a created container with a log", () => {
  let id: string;
  beforeAll(() => {
    id = b.ok(["create", "--name", "logged", "busybox", "true"]).trim();
    writeFileSync(logPath(id, ".1"), entry("first\n", "2020-01-02T03:04:40.1Z") + entry("oops\n", "2020-01-02T03:04:41Z", "stderr"));
    writeFileSync(logPath(id), entry("sec", "2020-01-02T03:04:42.000000001Z") + entry("ond\n", "2020-01-02T03:04:42.2Z") + entry("last\n", "2020-01-02T03:04:43Z"));
  });

  test("stdout lines go to stdout and stderr lines to stderr, rotated file first", () => {
    expect(b.run(["logs", "logged"])).toEqual({ stdout: "first\nsecond\nlast\n", stderr: "oops\n", exitCode: 0 });
  });

  test("--tail counts lines across the rotation; all is everything", () => {
    expect(b.run(["logs", "--tail", "3", "logged"])).toEqual({ stdout: "second\nlast\n", stderr: "oops\n", exitCode: 0 });
    expect(b.run(["logs", "-n", "1", "logged"]).stdout).toBe("last\n");
    expect(b.run(["container", "logs", "--tail", "all", "logged"]).stdout).toBe("first\nsecond\nlast\n");
  });

  test("--since and --until select by time", () => {
    expect(b.run(["logs", "--since", "2020-01-02T03:04:41Z", "--until", "2020-01-02T03:04:42.5Z", "logged"])).toEqual({ stdout: "second\n", stderr: "oops\n", exitCode: 0 });
    expect(b.run(["logs", "--since", String(Date.parse("2020-01-02T03:04:43Z") / 1000), "logged"]).stdout).toBe("last\n");
    expect(b.run(["logs", "--since", "1m", "logged"]).stdout).toBe(""); // all of it is older
  });

  test("-t prefixes each line with its RFC 3339 time, nine digits; --details adds the (empty) attributes", () => {
    expect(b.run(["logs", "-t", "logged"]).stdout).toBe(
      "2020-01-02T03:04:40.100000000Z first\n2020-01-02T03:04:42.000000001Z second\n2020-01-02T03:04:43.000000000Z last\n",
    );
    expect(b.run(["logs", "--details", "-n", "1", "logged"]).stdout).toBe(" last\n");
  });

  test("-f on a container that is not running prints the log and returns", () => {
    expect(b.run(["logs", "-f", "logged"])).toEqual({ stdout: "first\nsecond\nlast\n", stderr: "oops\n", exitCode: 0 });
  });
});

test("a container without a log prints nothing", () => {
  b.ok(["create", "--name", "silent", "busybox", "true"]);
  expect(b.run(["logs", "silent"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  b.ok(["rm", "silent"]);
});

test("errors: unknown container, the none driver, a bad --since, bad log options", () => {
  expectOneLineError(b.run(["logs", "nope"]), 1, /^Error response from daemon: No such container: nope\n$/);
  b.ok(["create", "--name", "unlogged", "--log-driver", "none", "busybox", "true"]);
  expectOneLineError(b.run(["logs", "unlogged"]), 1, /^Error response from daemon: configured logging driver does not support reading\n$/);
  b.ok(["rm", "unlogged"]);
  expectOneLineError(b.run(["logs", "--since", "soon", "nope"]), 1, /invalid value for "since": failed to parse value as time or duration: "soon"\n$/);
  expectOneLineError(b.run(["create", "--log-driver", "syslog", "busybox", "true"]), 125, /logging driver "syslog" is not supported: use --log-driver json-file or none\n$/);
  expectOneLineError(b.run(["create", "--log-opt", "max-size=big", "busybox", "true"]), 125, /invalid log opt max-size: invalid size: 'big'\n$/);
  expectOneLineError(b.run(["create", "--log-opt", "max-file=0", "busybox", "true"]), 125, /max-file cannot be less than 1\n$/);
  expectOneLineError(b.run(["create", "--log-opt", "mode=non-blocking", "busybox", "true"]), 125, /unknown log opt 'mode' for json-file log driver/);
});

test("--log-opt is recorded in HostConfig.LogConfig, docker's default without", () => {
  b.ok(["create", "--name", "rotating", "--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3", "busybox", "true"]);
  b.ok(["create", "--name", "plain", "busybox", "true"]);
  expect(JSON.parse(b.ok(["inspect", "-f", "{{json .HostConfig.LogConfig}}", "rotating"]))).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
  expect(JSON.parse(b.ok(["inspect", "-f", "{{json .HostConfig.LogConfig}}", "plain"]))).toEqual({ Type: "json-file", Config: {} });
  b.ok(["rm", "rotating", "plain"]);
});

test("-f on a running container follows appends and a rotation, and ends when the container is removed", async () => {
  const id = b.ok(["run", "-d", "--name", "followed", "busybox", "sleep", "1000"]).trim();
  writeFileSync(logPath(id), entry("before\n", "2020-01-02T03:04:40Z"));
  const follower = Bun.spawn([BUNKER, "--root", b.root, "logs", "-f", "followed"], { stdout: "pipe", stderr: "pipe" });
  const reader = follower.stdout.getReader();
  let out = "";
  const until = async (text: string) => {
    while (!out.includes(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`logs -f ended before printing ${JSON.stringify(text)}; got ${JSON.stringify(out)}`);
      out += new TextDecoder().decode(value);
    }
  };
  await until("before\n");
  appendFileSync(logPath(id), entry("appended\n", "2020-01-02T03:04:41Z"));
  await until("appended\n");
  // A rotation: the writer renames the file and starts a new one.
  renameSync(logPath(id), logPath(id, ".1"));
  writeFileSync(logPath(id), entry("rotated\n", "2020-01-02T03:04:42Z"));
  await until("rotated\n");
  // An --until already past ends a follow of a running container after what it selects.
  expect(b.run(["logs", "-f", "--until", "2020-01-02T03:04:41Z", "followed"])).toEqual({ stdout: "before\nappended\n", stderr: "", exitCode: 0 });
  b.ok(["rm", "-f", "followed"]);
  expect(await follower.exited).toBe(0);
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += new TextDecoder().decode(r.value);
  expect(out).toBe("before\nappended\nrotated\n");
});
