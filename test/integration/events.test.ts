// `bunker events`: the journal every bunker process and every container
// monitor appends to (src/events/), read back with docker's output, filters,
// --since/--until, and followed live from another process.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_BYTES } from "../../src/events/journal.ts";
import { BUNKER, Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;

beforeAll(() => {
  b = Bunker.withBusybox();
});

afterAll(() => {
  b.cleanup();
});

/** A time for --since/--until: now, as Unix seconds with milliseconds. */
const now = () => (Date.now() / 1000).toFixed(3);

const journal = () => join(b.root, "events", "events.jsonl");

/** The events of the journal between since and now, one printed line each. */
function eventsSince(since: string, ...args: string[]): string[] {
  return b.ok(["events", "--since", since, "--until", now(), ...args]).split("\n").filter(Boolean);
}

/** Spawns `events` following (no --until), and reads its lines until one matches. */
function follower(args: string[]) {
  const p = Bun.spawn([BUNKER, "--root", b.root, "events", ...args], { stdout: "pipe", stderr: "pipe" });
  const reader = p.stdout.getReader();
  let out = "";
  return {
    async until(pattern: RegExp): Promise<string[]> {
      while (!pattern.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`events ended before ${pattern}: ${JSON.stringify(out)} ${await new Response(p.stderr).text()}`);
        out += new TextDecoder().decode(value);
      }
      return out.split("\n").filter(Boolean);
    },
    async stop(): Promise<void> {
      p.kill();
      await p.exited;
    },
  };
}

test("a container's life in docker's format: create, start, die with its exit code, destroy, in order", () => {
  const since = now();
  const id = b.ok(["create", "--name", "life", "--label", "tier=web", "busybox", "sh", "-c", "exit 3"]).trim();
  expect(b.run(["start", "-a", "life"]).exitCode).toBe(3);
  b.ok(["rm", "life"]);
  const lines = eventsSince(since, "--filter", "container=life");
  const attrs = (extra = "") => `\\(${extra}image=busybox, name=life, tier=web\\)`;
  const time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d)";
  expect(lines.length).toBe(4);
  expect(lines[0]).toMatch(new RegExp(`^${time} container create ${id} ${attrs()}$`));
  expect(lines[1]).toMatch(new RegExp(`^${time} container start ${id} ${attrs()}$`));
  expect(lines[2]).toMatch(new RegExp(`^${time} container die ${id} ${attrs("exitCode=3, ")}$`));
  expect(lines[3]).toMatch(new RegExp(`^${time} container destroy ${id} ${attrs()}$`));
  // And its network: joined before the start, left after the die.
  const network = eventsSince(since, "--filter", "type=network").filter((l) => l.includes(id));
  expect(network.map((l) => l.split(" ")[2])).toEqual(["connect", "disconnect"]);
});

test("a detached container's die is written by its monitor, with no bunker process alive", async () => {
  const since = now();
  const watch = follower(["--since", since, "--filter", "container=lonely", "--filter", "event=die"]);
  const id = b.ok(["run", "-d", "--name", "lonely", "busybox", "sh", "-c", "exit 7"]).trim();
  // `run -d` has returned: only the monitor is left to see the exit.
  const [line] = await watch.until(/die/);
  await watch.stop();
  expect(line).toEndWith(`container die ${id} (exitCode=7, image=busybox, name=lonely)`);
  b.ok(["rm", "lonely"]);
});

test("filters: type, event, container, image, label; values of a key are alternatives, keys all hold", () => {
  const since = now();
  b.ok(["volume", "create", "evvol"]);
  b.ok(["run", "--rm", "--name", "filtered", "--label", "team=a", "-v", "evvol:/data", "busybox", "true"]);
  b.ok(["volume", "rm", "evvol"]);
  const actions = (...filters: string[]) => eventsSince(since, ...filters.flatMap((f) => ["--filter", f])).map((l) => `${l.split(" ")[1]} ${l.split(" ")[2]}`);
  expect(actions("container=filtered")).toEqual(["container create", "container start", "container die", "container destroy"]);
  expect(actions("container=filtered", "event=start", "event=destroy")).toEqual(["container start", "container destroy"]);
  expect(actions("label=team=a", "event=create")).toEqual(["container create"]);
  expect(actions("label=team=b")).toEqual([]);
  expect(actions("image=busybox", "event=die")).toEqual(["container die"]);
  expect(actions("type=volume")).toEqual(["volume create", "volume mount", "volume unmount", "volume destroy"]);
  expect(actions("volume=evvol", "event=mount")).toEqual(["volume mount"]);
  expectOneLineError(b.run(["events", "--until", "1s", "--filter", "colour=red"]), 1, /invalid filter 'colour'/);
  expectOneLineError(b.run(["events", "--since", "yesterday"]), 1, /invalid value for "since"/);
});

test("--format '{{json .}}' prints docker's message, and templates see its Go fields", () => {
  const since = now();
  b.ok(["run", "--name", "shaped", "busybox", "true"]);
  const id = b.ok(["inspect", "-f", "{{.Id}}", "shaped"]).trim();
  b.ok(["rm", "shaped"]);
  const [json] = eventsSince(since, "--filter", "container=shaped", "--filter", "event=die", "--format", "{{json .}}");
  const e = JSON.parse(json);
  expect(Object.keys(e)).toEqual(["status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"]);
  expect(e).toMatchObject({ status: "die", id, from: "busybox", Type: "container", Action: "die", Actor: { ID: id, Attributes: { exitCode: "0", image: "busybox", name: "shaped" } }, scope: "local" });
  // timeNano exactly (19 digits, beyond a double's precision), and time its seconds.
  const nano = /"timeNano":(\d+)\}$/.exec(json)?.[1] ?? "";
  expect(nano).toHaveLength(19);
  expect(String(e.time)).toBe(nano.slice(0, 10));
  expect(eventsSince(since, "--filter", "container=shaped", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.From}}")).toEqual([
    "container create shaped busybox",
    "container start shaped busybox",
    "container die shaped busybox",
    "container destroy shaped busybox",
  ]);
});

test("without --until, events follows: it prints what another process does as it happens", async () => {
  const watch = follower(["--since", now(), "--filter", "container=followed"]);
  b.ok(["run", "--rm", "--name", "followed", "busybox", "true"]);
  const lines = await watch.until(/ destroy /);
  await watch.stop();
  expect(lines.map((l) => l.split(" ")[2])).toEqual(["create", "start", "die", "destroy"]);
});

test("the journal is bounded: a full file is rotated to one previous file, and older events drop", () => {
  // Filling the file by hand is cheap; the rotation is bunker's, at its next event.
  const line = (n: number) => `{"Type":"volume","Action":"create","Actor":{"ID":"filler-${n}","Attributes":{}},"scope":"local","time":1,"timeNano":1000000000${String(n).padStart(9, "0").slice(-9)}}\n`;
  const fill = (tag: number) => writeFileSync(journal(), Array.from({ length: Math.ceil(MAX_BYTES / line(0).length) }, (_, i) => line(tag * 100000 + i)).join(""));
  fill(1);
  b.ok(["volume", "create", "bounded1"]);
  expect(statSync(journal()).size).toBeLessThan(4096); // a fresh file, holding that one event
  expect(readFileSync(`${journal()}.1`, "utf8")).toContain("filler-100000");
  fill(2);
  b.ok(["volume", "create", "bounded2"]);
  const kept = readFileSync(`${journal()}.1`, "utf8");
  expect(kept).toContain("filler-200000");
  expect(kept).not.toContain("filler-100000"); // the first generation is gone
  expect(statSync(journal()).size + kept.length).toBeLessThan(2 * MAX_BYTES + 4096);
  // Readers see both files, in order: the oldest kept filler, then the newest event.
  const all = b.ok(["events", "--since", "0", "--until", now(), "--filter", "type=volume", "--format", "{{.Actor.ID}}"]).split("\n").filter(Boolean);
  expect(all[0]).toBe("filler-200000");
  expect(all.at(-1)).toBe("bounded2");
  b.ok(["volume", "rm", "bounded1", "bounded2"]);
});

test("16 concurrent runs append whole lines: every line of the journal parses", async () => {
  const since = now();
  const names = Array.from({ length: 16 }, (_, i) => `par${i}`);
  await Promise.all(names.map((n) => b.okAsync(["run", "--rm", "--name", n, "busybox", "true"])));
  for (const line of readFileSync(journal(), "utf8").split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  const lines = eventsSince(since, "--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}");
  for (const n of names) expect(lines.filter((l) => l.endsWith(` ${n}`)).map((l) => l.split(" ")[0])).toEqual(["create", "start", "die", "destroy"]);
});
