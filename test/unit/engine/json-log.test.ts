import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerLogs, type LogsOptions } from "../../../src/engine/container-logs.ts";
import { Engine } from "../../../src/engine/engine.ts";
import { formatNanoFixed, LineAssembler, LogCursor, type LogEntry, parseEntry, parseRfc3339, rotatedLogFiles, tailEntries } from "../../../src/engine/json-log.ts";

const tmp = mkdtempSync("/var/tmp/bunker-jsonlog-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const T0 = Date.parse("2026-11-23T05:00:00Z");
/** A json-file line as docker writes it; `sec` seconds after T0. */
function entry(log: string, sec: number, stream = "stdout"): string {
  return `${JSON.stringify({ log, stream, time: new Date(T0 + sec * 1000).toISOString().replace("Z", "123456Z") })}\n`;
}

let n = 0;
/** A store root holding one container with the given log files (name -> content); returns its engine and id. */
function containerWith(files: Record<string, string>, logConfig = { Type: "json-file", Config: {} }): { engine: Engine; id: string } {
  const root = join(tmp, `root-${n++}`);
  const id = String(n).padStart(64, "a");
  const dir = join(root, "containers", id);
  mkdirSync(dir, { recursive: true });
  const state = { Status: "exited", Running: false };
  writeFileSync(join(dir, "container.json"), JSON.stringify({ Id: id, Name: "/c", State: state, HostConfig: { LogConfig: logConfig } }));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name.replace("ID", id)), content);
  return { engine: new Engine({ root, runRoot: join(root, "run"), cache: join(root, "cache") }), id };
}

async function logs(files: Record<string, string>, opts: Partial<LogsOptions> = {}): Promise<string[]> {
  const { engine, id } = containerWith(files);
  const out: string[] = [];
  await containerLogs(engine, id, { follow: false, ...opts }, (l) => out.push(`${l.stream}:${l.log}`));
  return out;
}

const ROTATED = {
  "ID-json.log.2": entry("one\n", 1) + entry("two\n", 2),
  "ID-json.log.1": entry("three\n", 3) + entry("four\n", 4, "stderr"),
  "ID-json.log": entry("five\n", 5) + entry("six\n", 6),
};

describe("reading a container's log", () => {
  test("rotated files come first, oldest (highest number) first, each stream kept", async () => {
    expect(await logs(ROTATED)).toEqual(["stdout:one\n", "stdout:two\n", "stdout:three\n", "stderr:four\n", "stdout:five\n", "stdout:six\n"]);
  });

  test("--tail counts lines across files, from the end", async () => {
    expect(await logs(ROTATED, { tail: 3 })).toEqual(["stderr:four\n", "stdout:five\n", "stdout:six\n"]);
    expect(await logs(ROTATED, { tail: 0 })).toEqual([]);
    expect(await logs(ROTATED, { tail: 100 })).toHaveLength(6);
  });

  test("--since and --until keep the lines in between, both ends included", async () => {
    const at = (sec: number) => BigInt(T0 + sec * 1000) * 1_000_000n + 123456n;
    expect(await logs(ROTATED, { since: at(3), until: at(5) })).toEqual(["stdout:three\n", "stderr:four\n", "stdout:five\n"]);
    expect(await logs(ROTATED, { since: at(3) + 1n })).toEqual(["stderr:four\n", "stdout:five\n", "stdout:six\n"]);
  });

  test("a line split into fragments is one line, also for --tail", async () => {
    const files = { "ID-json.log": entry("a\n", 1) + entry("long-", 2) + entry("er-", 3) + entry("line\n", 4) + entry("z\n", 5, "stderr") };
    expect(await logs(files)).toEqual(["stdout:a\n", "stdout:long-er-line\n", "stderr:z\n"]);
    expect(await logs(files, { tail: 2 })).toEqual(["stdout:long-er-line\n", "stderr:z\n"]);
  });

  test("a line still being written is shown as it is; a torn JSON line and garbage are skipped", async () => {
    const files = { "ID-json.log": `${entry("a\n", 1)}not json\n${entry("unfinished", 2)}{"log":"torn` };
    expect(await logs(files)).toEqual(["stdout:a\n", "stdout:unfinished"]);
    expect(await logs(files, { tail: 1 })).toEqual(["stdout:unfinished"]);
  });

  test("no log file prints nothing; the none driver cannot be read", async () => {
    expect(await logs({})).toEqual([]);
    const { engine, id } = containerWith({}, { Type: "none", Config: {} });
    expect(containerLogs(engine, id, { follow: false }, () => {})).rejects.toThrow("configured logging driver does not support reading");
  });

  test("--tail reads a big log from its end", async () => {
    const many = Array.from({ length: 20000 }, (_, i) => entry(`line ${i} ${"x".repeat(40)}\n`, i)).join("");
    expect(many.length).toBeGreaterThan(2 * 256 * 1024); // several chunks
    const out = await logs({ "ID-json.log": many }, { tail: 2 });
    expect(out.map((l) => l.slice(0, 18))).toEqual(["stdout:line 19998 ", "stdout:line 19999 "]);
  });
});

describe("json-log pieces", () => {
  test("rotated files are listed oldest first, ignoring other names", () => {
    const dir = join(tmp, "rot");
    mkdirSync(dir);
    for (const f of ["x-json.log", "x-json.log.1", "x-json.log.10", "x-json.log.2", "x-json.log.tmp", "x-json.log.0", "container.json"]) writeFileSync(join(dir, f), "");
    expect(rotatedLogFiles(dir, "x").map((f) => f.slice(dir.length + 1))).toEqual(["x-json.log.10", "x-json.log.2", "x-json.log.1"]);
  });

  test("times keep their nanoseconds, and -t prints nine digits", () => {
    const t = parseRfc3339("2026-11-23T05:10:40.123456789Z") as bigint;
    expect(formatNanoFixed(t)).toBe("2026-11-23T05:10:40.123456789Z");
    expect(formatNanoFixed(parseRfc3339("2026-11-23T05:10:40.5Z") as bigint)).toBe("2026-11-23T05:10:40.500000000Z");
    expect(formatNanoFixed(parseRfc3339("2026-11-23T07:10:40+02:00") as bigint)).toBe("2026-11-23T05:10:40.000000000Z");
    expect(parseRfc3339("2026-11-23 05:10:40Z")).toBeUndefined();
  });

  test("an entry needs a log and a time; the stream defaults to stdout", () => {
    expect(parseEntry('{"log":"x\\n","time":"2026-11-23T05:10:40Z"}')?.stream).toBe("stdout");
    expect(parseEntry('{"log":"x\\n","stream":"stderr","time":"2026-11-23T05:10:40Z","attrs":{"a":"b"}}')).toMatchObject({ stream: "stderr", attrs: { a: "b" } });
    expect(parseEntry('{"stream":"stdout","time":"2026-11-23T05:10:40Z"}')).toBeUndefined();
    expect(parseEntry('{"log":"x","time":"yesterday"}')).toBeUndefined();
  });

  test("a cursor returns only whole JSON lines, and the rest once it is written", () => {
    const path = join(tmp, "growing.log");
    const line = entry("hi\n", 1);
    writeFileSync(path, line + line.slice(0, 10));
    const cursor = LogCursor.open(path) as LogCursor;
    const got: LogEntry[] = [];
    cursor.read((e) => got.push(e));
    expect(got.map((e) => e.log)).toEqual(["hi\n"]);
    appendFileSync(path, line.slice(10));
    cursor.read((e) => got.push(e));
    expect(got.map((e) => e.log)).toEqual(["hi\n", "hi\n"]);
    cursor.close();
  });

  test("skipToEnd stops after the last whole line, so tail and follow meet there", () => {
    const path = join(tmp, "skip.log");
    const line = entry("hi\n", 1);
    writeFileSync(path, line + line + line.slice(0, 5));
    const cursor = LogCursor.open(path) as LogCursor;
    cursor.skipToEnd();
    expect(cursor.offset).toBe(2 * line.length);
    expect(tailEntries(cursor, [], 5)).toHaveLength(2);
    cursor.close();
  });

  test("fragments join per stream; flush gives what is unfinished", () => {
    const out: string[] = [];
    const lines = new LineAssembler((l) => out.push(`${l.stream}:${l.log}:${l.time}`));
    const e = (log: string, stream: "stdout" | "stderr", time: bigint): LogEntry => ({ log, stream, time });
    lines.push(e("a", "stdout", 1n));
    lines.push(e("x\n", "stderr", 2n));
    lines.push(e("b\n", "stdout", 3n));
    lines.push(e("c", "stdout", 4n));
    expect(out).toEqual(["stderr:x\n:2", "stdout:ab\n:1"]);
    lines.flush();
    expect(out).toEqual(["stderr:x\n:2", "stdout:ab\n:1", "stdout:c:4"]);
  });
});
