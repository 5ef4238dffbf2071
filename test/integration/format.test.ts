// --format through the compiled binary: Go templates, "table …" and "json" on the
// listing commands, -f on inspect, and exit code 64 for a bad template.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
let ids: Record<string, string>;
beforeAll(() => {
  b = Bunker.withBusybox();
  b.ok(["run", "--name", "fmt-first", "-l", "k=v", "-l", "other=x", "-v", "/tmp:/data", "busybox", "true"]);
  expect(b.run(["run", "--name", "fmt-second-longer", "busybox", "sh", "-c", "exit 3"]).exitCode).toBe(3);
  ids = Object.fromEntries(["fmt-first", "fmt-second-longer"].map((n) => [n, b.ok(["inspect", "-f", "{{.Id}}", n]).trim()]));
});
afterAll(() => b.cleanup());

test("ps -a --format '{{.Names}}': one name per line, newest first", () => {
  expect(b.ok(["ps", "-a", "--format", "{{.Names}}"])).toBe("fmt-second-longer\nfmt-first\n");
});

test("ps --format 'table {{.ID}}\\t{{.Names}}': docker's header, columns aligned", () => {
  const short = (n: string) => ids[n].slice(0, 12);
  expect(b.ok(["ps", "-a", "--format", "table {{.ID}}\\t{{.Names}}\\t{{.Label \"k\"}}"])).toBe(
    [
      "CONTAINER ID   NAMES               k",
      `${short("fmt-second-longer")}   fmt-second-longer`,
      `${short("fmt-first")}   fmt-first           v`,
      "",
    ].join("\n"),
  );
  expect(b.ok(["ps", "--format", "table {{.ID}}\t{{.Names}}"])).toBe("CONTAINER ID   NAMES\n"); // none running
});

test("ps -a --format json: one compact object per line, docker's field names", () => {
  const lines = b.ok(["ps", "-a", "--format", "json"]).trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  const first = JSON.parse(lines[1]);
  expect(Object.keys(first)).toEqual(["Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks", "Ports", "RunningFor", "Size", "State", "Status"]);
  expect(first).toMatchObject({ Command: '"true"', ID: ids["fmt-first"].slice(0, 12), Image: "busybox", Labels: "k=v,other=x", Mounts: "/tmp", Names: "fmt-first", State: "exited" });
  expect(first.Status).toMatch(/^Exited \(0\) .* ago$/);
  expect(first.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [-+]\d{4} \S+$/);
  expect(JSON.parse(lines[0]).Command).toBe(`"sh -c 'exit 3'"`);
});

test("images --format '{{.Repository}}:{{.Tag}}' and a table of them", () => {
  expect(b.ok(["images", "--format", "{{.Repository}}:{{.Tag}}"])).toBe("busybox:latest\n");
  expect(b.ok(["images", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}"])).toMatch(/^REPOSITORY   TAG       IMAGE ID\nbusybox      latest    [0-9a-f]{12}\n$/);
});

test("inspect -f: fields, index, json and range over the inspect object", () => {
  expect(b.ok(["inspect", "-f", "{{.State.ExitCode}}", "fmt-second-longer"])).toBe("3\n");
  expect(b.ok(["inspect", "-f", '{{index .Config.Labels "k"}}', "fmt-first"])).toBe("v\n");
  expect(b.ok(["inspect", "-f", "{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", "fmt-first"])).toBe("/tmp:/data \n");
  expect(b.ok(["inspect", "--format", "{{json .Config.Cmd}}", "fmt-second-longer"])).toBe('["sh","-c","exit 3"]\n');
  expect(b.ok(["inspect", "-f", "{{.Name}} {{.NoSuchField}}", "fmt-first", "fmt-second-longer"])).toBe("/fmt-first <no value>\n/fmt-second-longer <no value>\n");
  expect(b.ok(["inspect", "-f", "{{if eq .State.ExitCode 0}}ok{{else}}failed {{- \" \" -}} {{.State.ExitCode}}{{end}}", "fmt-second-longer"])).toBe("failed 3\n");
  expect(b.ok(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", "busybox"])).toMatch(/^linux\/\w+\n$/);
});

test("history and version take --format too", () => {
  expect(b.ok(["history", "--format", "{{.CreatedBy}}", "busybox"])).toBe("bunker import\n");
  expect(b.ok(["version", "--format", "{{.Client.Version}}"])).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
});

test("a bad template: one line on stderr, nothing on stdout, exit code 64", () => {
  for (const args of [
    ["inspect", "-f", "{{.State.ExitCode", "fmt-first"],
    ["ps", "-a", "--format", "{{nosuch .Names}}"],
    ["images", "--format", "table {{if .ID}}"],
    ["inspect", "-f", "{{.State.ExitCode.Nope}}", "fmt-first"],
  ]) {
    const r = b.run(args);
    expectOneLineError(r, 64, /^bunker: template: .*\n$/);
    expect(r.stdout).toBe("");
  }
});

test("{{json .}} is the json form; a bare `table` is the default table", () => {
  // Relative times ("2 seconds ago") may tick between two runs: compare what does not move.
  const still = (line: string) => JSON.stringify(JSON.parse(line), (k, v) => (["RunningFor", "Status", "CreatedSince"].includes(k) ? undefined : v));
  const lines = (s: string) => s.split("\n").filter(Boolean);
  for (const cmd of [["ps", "-a"], ["images"], ["history", "busybox"]]) {
    const json = lines(b.ok([...cmd, "--format", "json"])).map(still);
    expect(json.length).toBeGreaterThan(0);
    expect(lines(b.ok([...cmd, "--format", "{{json .}}"])).map(still)).toEqual(json);
    const table = lines(b.ok([...cmd, "--format", "table"]));
    expect([table[0], table.length]).toEqual([lines(b.ok(cmd))[0], json.length + 1]);
  }
  expect(b.ok(["inspect", "--format", "json", "fmt-first"])).toBe(b.ok(["inspect", "--format", "{{json .}}", "fmt-first"]));
  expect(JSON.parse(b.ok(["inspect", "--format", "json", "fmt-first"])).Name).toBe("/fmt-first");
});

test("the functions people use: join, split, upper, lower, title, pad, truncate, len, index, println", () => {
  const f = (t: string) => b.ok(["inspect", "-f", t, "fmt-second-longer"]);
  expect(f('{{join .Config.Cmd " "}}')).toBe("sh -c exit 3\n");
  expect(f('{{index (split .Name "-") 1}}')).toBe("second\n");
  expect(f("{{upper .State.Status}} {{lower .Config.Image}} {{title .State.Status}}")).toBe("EXITED busybox Exited\n");
  expect(f("[{{pad .State.Status 1 2}}] {{truncate .Name 4}} {{len .Config.Cmd}}")).toBe("[ exited  ] /fmt 3\n");
  expect(f("{{println .State.ExitCode}}")).toBe("3\n\n");
});

test("volume ls and volume inspect: a bad template exits 64 before any output", () => {
  for (const args of [
    ["volume", "ls", "--format", "{{.Name"],
    ["volume", "inspect", "-f", "{{nosuch}}", "x"],
  ]) {
    const r = b.run(args);
    expectOneLineError(r, 64, /^bunker: template: .*\n$/);
    expect(r.stdout).toBe("");
  }
});

test("stats --no-stream --format: a template, table and json over docker's fields", () => {
  b.ok(["run", "-d", "--name", "fmt-stats", "--network", "none", "busybox", "sleep", "1000"]); // no interface of its own: NET I/O is 0B / 0B
  try {
    expect(b.ok(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "fmt-stats"])).toBe("fmt-stats 1\n");
    expect(b.ok(["stats", "--no-stream", "--format", "table {{.Name}}\\t{{.PIDs}}", "fmt-stats"])).toBe("NAME        PIDS\nfmt-stats   1\n");
    const row = JSON.parse(b.ok(["stats", "--no-stream", "--format", "json", "fmt-stats"]));
    expect(Object.keys(row)).toEqual(["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]);
    expect(row).toMatchObject({ Name: "fmt-stats", PIDs: "1", NetIO: "0B / 0B" });
    expectOneLineError(b.run(["stats", "--no-stream", "--format", "{{.Name", "fmt-stats"]), 64, /^bunker: template: .*unclosed action\n$/);
  } finally {
    b.ok(["rm", "-f", "fmt-stats"]);
  }
});

test("network ls and system df take --format: templates, table with docker's headers, json", () => {
  expect(b.ok(["network", "ls", "--format", "table {{.Name}}\t{{.Driver}}"])).toBe("NAME      DRIVER\nbridge    bridge\nhost      host\nnone      null\n");
  const nets = b.ok(["network", "ls", "--format", "json"]).trim().split("\n").map((l) => JSON.parse(l));
  expect(nets.map((n) => [n.Name, n.Driver, n.Scope])).toEqual([["bridge", "bridge", "local"], ["host", "host", "local"], ["none", "null", "local"]]);
  expect(b.ok(["system", "df", "--format", "{{.Type}}"])).toBe("Images\nContainers\nLocal Volumes\nBuild Cache\n");
  expect(b.ok(["system", "df", "--format", "table {{.Type}}\t{{.TotalCount}}"])).toStartWith("TYPE            TOTAL\nImages          1\nContainers      2\n");
  const df = b.ok(["system", "df", "--format", "json"]).trim().split("\n").map((l) => JSON.parse(l));
  expect(Object.keys(df[0])).toEqual(["Type", "TotalCount", "Active", "Size", "Reclaimable"]);
  expectOneLineError(b.run(["system", "df", "--format", "{{.Nope"]), 64, /template/);
});
