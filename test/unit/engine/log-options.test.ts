import { describe, expect, test } from "bun:test";
import { logConfig, logOptions } from "../../../src/engine/log-config.ts";
import { goDurationOrUndefined, parseLogTime } from "../../../src/engine/log-time.ts";
import { parseHumanSize } from "../../../src/engine/units.ts";

describe("--log-driver and --log-opt", () => {
  test("docker's default is json-file with no options", () => {
    expect(logConfig(undefined, [])).toEqual({ Type: "json-file", Config: {} });
    expect(logOptions({ HostConfig: {} as never })).toEqual({ driver: "json-file", maxSize: 0, maxFile: 1 });
  });

  test("max-size is in decimal units, max-file counts files", () => {
    const cfg = logConfig("json-file", ["max-size=10m", "max-file=3"]);
    expect(cfg).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
    expect(logOptions({ HostConfig: { LogConfig: cfg } as never })).toEqual({ driver: "json-file", maxSize: 10_000_000, maxFile: 3 });
    expect(parseHumanSize("100k")).toBe(100_000);
    expect(parseHumanSize("1g")).toBe(1e9);
  });

  test("bad values fail with docker's messages", () => {
    expect(() => logConfig("syslog", [])).toThrow('logging driver "syslog" is not supported: use --log-driver json-file or none');
    expect(() => logConfig(undefined, ["colour=red"])).toThrow("unknown log opt 'colour' for json-file log driver (supported: max-size, max-file, labels, labels-regex, env, env-regex)");
    expect(() => logConfig(undefined, ["max-size=ten"])).toThrow("invalid log opt max-size: invalid size: 'ten'");
    expect(() => logConfig(undefined, ["max-size=0"])).toThrow("max-size must be a positive number");
    expect(() => logConfig(undefined, ["max-file=0"])).toThrow("max-file cannot be less than 1");
    expect(() => logConfig(undefined, ["max-file=x"])).toThrow('strconv.Atoi: parsing "x": invalid syntax');
    expect(() => logConfig("none", ["max-size=1m"])).toThrow("invalid logging opts for driver none");
    expect(logConfig("none", [])).toEqual({ Type: "none", Config: {} });
  });
});

describe("--since and --until values", () => {
  const now = Date.parse("2026-11-23T05:10:40Z");
  const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;

  test("a duration is that long before now, in whole seconds", () => {
    expect(parseLogTime("10m", "since", now)).toBe(ns("2026-11-23T05:00:40Z"));
    expect(parseLogTime("1h30m", "since", now)).toBe(ns("2026-11-23T03:40:40Z"));
    expect(parseLogTime("1.5s", "since", now + 700)).toBe(ns("2026-11-23T05:10:39Z"));
    expect(goDurationOrUndefined("300ms")).toBe(300e6);
    expect(goDurationOrUndefined("10")).toBeUndefined(); // Go wants a unit
  });

  test("RFC 3339 times, with or without zone and fraction; dates", () => {
    expect(parseLogTime("2026-11-23T05:10:40.000000042Z", "since")).toBe(ns("2026-11-23T05:10:40Z") + 42n);
    expect(parseLogTime("2026-11-23T07:10:40+02:00", "since")).toBe(ns("2026-11-23T05:10:40Z"));
    expect(parseLogTime("2026-11-23Z", "since")).toBe(ns("2026-11-23T00:00:00Z"));
    // Without a zone: local time, as docker's client.
    expect(parseLogTime("2026-11-23T05:10", "since")).toBe(BigInt(new Date(2026, 10, 23, 5, 10).getTime()) * 1_000_000n);
  });

  test("Unix timestamps with a fraction; 0 is the epoch", () => {
    expect(parseLogTime("1700000000", "since")).toBe(1_700_000_000_000_000_000n);
    expect(parseLogTime("1700000000.5", "since")).toBe(1_700_000_000_500_000_000n);
    expect(parseLogTime("0", "since")).toBe(0n);
  });

  test("anything else is docker's error", () => {
    expect(() => parseLogTime("yesterday", "since")).toThrow('invalid value for "since": failed to parse value as time or duration: "yesterday"');
    expect(() => parseLogTime("2026-13-45", "until")).toThrow('invalid value for "until"');
  });
});
