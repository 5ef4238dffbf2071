import { describe, expect, test } from "bun:test";
import { Filters } from "../../../src/lib/filters.ts";
import { DaemonError, UsageError } from "../../../src/lib/errors.ts";

const parse = (...args: string[]) => Filters.parse(args, ["name", "label", "dangling", "status"], "ps");

describe("Filters.parse", () => {
  test("keys are trimmed and lower-cased, values trimmed; a key repeats", () => {
    const f = parse(" Name = web ", "name=db");
    expect(f.values("name")).toEqual(["web", "db"]);
    expect(f.has("label")).toBe(false);
    expect(parse().has("name")).toBe(false);
  });

  test("a filter without '=' is a flag error (exit 125), naming the flag as docker does", () => {
    expect(() => parse("name")).toThrow(UsageError);
    expect(() => parse("name")).toThrow(`invalid argument "name" for "-f, --filter" flag: bad format of filter (expected name=value)`);
  });

  test("an unknown key is the daemon's refusal (exit 1)", () => {
    expect(() => parse("colour=red")).toThrow(DaemonError);
    expect(() => parse("colour=red")).toThrow("invalid filter 'colour'");
  });
});

describe("matching", () => {
  test("an absent key passes everything", () => {
    const f = parse();
    expect(f.match("name", "x") && f.exact("status", "exited") && f.labels({})).toBe(true);
  });

  test("match: exact, or the value as an unanchored regular expression (docker's name= and id=)", () => {
    const f = parse("name=^we", "name=[");
    expect(f.match("name", "web")).toBe(true);
    expect(f.match("name", "cobweb")).toBe(false);
    expect(parse("name=eb").match("name", "/web", "web")).toBe(true);
    expect(parse("name=[").match("name", "[")).toBe(true); // not a valid expression, but equal
  });

  test("exact: one of the values equals one of the sources", () => {
    const f = parse("status=running", "status=paused");
    expect(f.exact("status", "paused")).toBe(true);
    expect(f.exact("status", "exited")).toBe(false);
  });

  test("labels: every label= must hold, KEY alone or KEY=VALUE", () => {
    const f = parse("label=a", "label=b=2");
    expect(f.labels({ a: "x", b: "2" })).toBe(true);
    expect(f.labels({ a: "x", b: "3" })).toBe(false);
    expect(f.labels({ b: "2" })).toBe(false);
    expect(f.labels(null)).toBe(false);
    expect(parse("label=k=v=w").labels({ k: "v=w" })).toBe(true);
  });

  test("bool: true/false/1/0 in any case; anything else is refused", () => {
    expect(parse("dangling=TRUE").bool("dangling")).toBe(true);
    expect(parse("dangling=0").bool("dangling")).toBe(false);
    expect(parse().bool("dangling")).toBeUndefined();
    expect(() => parse("dangling=maybe").bool("dangling")).toThrow("invalid filter 'dangling=maybe'");
  });

  test("oneOf: docker's message for a value outside the set", () => {
    expect(parse("status=exited").oneOf("status", ["exited"])).toEqual(["exited"]);
    expect(() => parse("status=gone").oneOf("status", ["exited"])).toThrow("invalid filter 'status=gone'");
  });
});
