// --filter through the compiled binary: docker's keys for ps, images and volume ls,
// and docker's answers to a bad filter.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
  // Oldest first: made, ok, failed, web (running, with a health check that has not run yet).
  b.ok(["create", "--name", "made", "-l", "tier=db", "-v", "flt-data:/data", "busybox", "true"]);
  b.ok(["run", "--name", "ok", "-l", "tier=web", "-l", "extra", "busybox", "true"]);
  expect(b.run(["run", "--name", "failed", "--network", "host", "busybox", "sh", "-c", "exit 3"]).exitCode).toBe(3);
  b.ok(["run", "-d", "--name", "web", "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "1000"]);
});
afterAll(() => {
  b.cleanup();
});

const names = (...args: string[]) => b.ok(["ps", "--format", "{{.Names}}", ...args]).split("\n").filter(Boolean);

describe("ps --filter", () => {
  test("status= (implies -a), exited=, health=", () => {
    expect(names("-f", "status=exited")).toEqual(["failed", "ok"]);
    expect(names("-f", "status=created", "-f", "status=running")).toEqual(["web", "made"]); // a key's values: any
    expect(names("-a", "-f", "exited=3")).toEqual(["failed"]);
    expect(names("-a", "-f", "exited=0")).toEqual(["ok"]); // never started: no exit code
    expect(names("-f", "health=starting")).toEqual(["web"]);
    expect(names("-a", "-f", "health=none")).toEqual(["failed", "ok", "made"]);
  });

  test("name= and id= are regular expressions found anywhere; label= must all hold", () => {
    expect(names("-a", "-f", "name=^/?(ok|web)$")).toEqual(["web", "ok"]);
    expect(names("-a", "-f", "name=ai")).toEqual(["failed"]);
    const id = b.ok(["inspect", "-f", "{{.Id}}", "made"]).trim();
    expect(names("-a", "-f", `id=${id.slice(0, 10)}`)).toEqual(["made"]);
    expect(names("-a", "-f", "label=tier")).toEqual(["ok", "made"]);
    expect(names("-a", "-f", "label=tier=web", "-f", "label=extra")).toEqual(["ok"]);
    expect(names("-a", "-f", "label=tier=db", "-f", "label=extra")).toEqual([]);
  });

  test("ancestor=, volume= (name or destination), network=", () => {
    expect(names("-a", "-f", "ancestor=busybox")).toHaveLength(4);
    expect(names("-a", "-f", "ancestor=busybox:latest", "-f", "status=running")).toEqual(["web"]); // keys: all must hold
    expect(names("-a", "-f", "ancestor=no-such-image")).toEqual([]);
    expect(names("-a", "-f", "volume=flt-data")).toEqual(["made"]);
    expect(names("-a", "-f", "volume=/data")).toEqual(["made"]);
    expect(names("-a", "-f", "network=host")).toEqual(["failed"]);
  });

  test("before= and since= take a container's name or id", () => {
    expect(names("-a", "-f", "before=failed")).toEqual(["ok", "made"]);
    expect(names("-a", "-f", "since=ok")).toEqual(["web", "failed"]);
    expect(names("-a", "-f", "since=made", "-f", "before=web")).toEqual(["failed", "ok"]);
  });

  test("-q with filters, -n and -l", () => {
    expect(b.ok(["ps", "-q", "-f", "name=web"])).toMatch(/^[0-9a-f]{12}\n$/);
    expect(names("-n", "2")).toEqual(["web", "failed"]);
    expect(names("-l")).toEqual(["web"]);
  });

  test("bad filters: docker's daemon answers (exit 1) or flag error (exit 125)", () => {
    expectOneLineError(b.run(["ps", "-f", "colour=red"]), 1, /^Error response from daemon: invalid filter 'colour'\n$/);
    expectOneLineError(b.run(["ps", "-f", "status=sleeping"]), 1, /^Error response from daemon: invalid filter 'status=sleeping'\n$/);
    expectOneLineError(b.run(["ps", "-f", "health=fine"]), 1, /^Error response from daemon: Unrecognised filter value for health: fine\n$/);
    expectOneLineError(b.run(["ps", "-a", "-f", "exited=x"]), 1, /^Error response from daemon: strconv.Atoi: parsing "x": invalid syntax\n$/);
    expectOneLineError(b.run(["ps", "-f", "before=nope"]), 1, /^Error response from daemon: No such container: nope\n$/);
    const r = b.run(["ps", "-f", "status"]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toBe(`bunker: invalid argument "status" for "-f, --filter" flag: bad format of filter (expected name=value)\nSee 'bunker ps --help'.\n`);
  });
});

describe("images --filter label=, before=, since=", () => {
  beforeAll(() => {
    b.ok(["commit", "-c", "LABEL stage=one", "ok", "flt-one"]);
    b.ok(["commit", "-c", "LABEL stage=two", "ok", "flt-two"]);
  });
  afterAll(() => {
    b.ok(["rmi", "flt-one", "flt-two"]);
  });
  const repos = (...args: string[]) => b.ok(["images", "--format", "{{.Repository}}", ...args]).split("\n").filter(Boolean);

  test("label= on the image's config labels", () => {
    expect(repos("-f", "label=stage")).toEqual(["flt-two", "flt-one"]);
    expect(repos("-f", "label=stage=one")).toEqual(["flt-one"]);
  });

  test("before= and since= by another image's name", () => {
    expect(repos("-f", "since=busybox")).toEqual(["flt-two", "flt-one"]);
    expect(repos("-f", "before=flt-two")).toEqual(["flt-one", "busybox"]);
    expect(repos("-f", "since=busybox", "-f", "before=flt-two")).toEqual(["flt-one"]);
    expectOneLineError(b.run(["images", "-f", "since=nope"]), 1, /^Error response from daemon: No such image: nope\n$/);
  });
});

describe("volume ls", () => {
  beforeAll(() => {
    b.ok(["volume", "create", "--label", "team=a", "flt-free"]);
  });
  afterAll(() => {
    b.ok(["volume", "rm", "flt-free"]);
  });

  test("--filter name=, label=, dangling=, driver=", () => {
    expect(b.ok(["volume", "ls", "-q", "-f", "name=^flt-"])).toBe("flt-data\nflt-free\n");
    expect(b.ok(["volume", "ls", "-q", "-f", "label=team=a"])).toBe("flt-free\n");
    expect(b.ok(["volume", "ls", "-q", "-f", "dangling=true"])).toBe("flt-free\n");
    expect(b.ok(["volume", "ls", "-q", "-f", "dangling=false", "-f", "driver=local"])).toBe("flt-data\n");
    expectOneLineError(b.run(["volume", "ls", "-f", "size=1"]), 1, /^Error response from daemon: invalid filter 'size'\n$/);
  });

  test("--format: a template, table and json", () => {
    expect(b.ok(["volume", "ls", "--format", "{{.Name}} {{.Driver}} {{.Label \"team\"}}", "-f", "name=flt"])).toBe("flt-data local \nflt-free local a\n");
    expect(b.ok(["volume", "ls", "--format", "table {{.Name}}\\t{{.Labels}}", "-f", "name=flt"])).toBe("VOLUME NAME   LABELS\nflt-data\nflt-free      team=a\n");
    const [json] = b.ok(["volume", "ls", "--format", "json", "-f", "name=flt-free"]).split("\n");
    expect(JSON.parse(json)).toEqual({
      Availability: "N/A",
      Driver: "local",
      Group: "N/A",
      Labels: "team=a",
      Links: "N/A",
      Mountpoint: `${b.root}/volumes/flt-free/_data`,
      Name: "flt-free",
      Scope: "local",
      Size: "N/A",
      Status: "N/A",
    });
    expect(b.ok(["volume", "inspect", "-f", "{{.Name}}: {{.Labels.team}}", "flt-free"])).toBe("flt-free: a\n");
  });
});
