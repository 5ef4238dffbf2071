import { describe, expect, test } from "bun:test";
import { formatGoDuration, parseBytes, parseGoDuration, parseInteger, parseNanoCpus } from "../../../src/engine/units.ts";

describe("parseBytes (go-units RAMInBytes)", () => {
  test("binary multiples, any case, with optional b / ib and one space", () => {
    expect(parseBytes("32m")).toBe(32 * 1024 * 1024);
    expect(parseBytes("32M")).toBe(32 * 1024 * 1024);
    expect(parseBytes("32mb")).toBe(32 * 1024 * 1024);
    expect(parseBytes("32MiB")).toBe(32 * 1024 * 1024);
    expect(parseBytes("32 m")).toBe(32 * 1024 * 1024);
    expect(parseBytes("1g")).toBe(1024 ** 3);
    expect(parseBytes("512k")).toBe(512 * 1024);
    expect(parseBytes("2t")).toBe(2 * 1024 ** 4);
    expect(parseBytes("1p")).toBe(1024 ** 5);
  });

  test("plain bytes, a b suffix, and fractions (truncated)", () => {
    expect(parseBytes("100")).toBe(100);
    expect(parseBytes("100b")).toBe(100);
    expect(parseBytes("100B")).toBe(100);
    expect(parseBytes("1.5k")).toBe(1536);
    expect(parseBytes("0.3")).toBe(0);
    expect(parseBytes("0")).toBe(0);
  });

  test("docker's errors", () => {
    expect(() => parseBytes("abc")).toThrow("invalid size: 'abc'");
    expect(() => parseBytes("")).toThrow("invalid size: ''");
    expect(() => parseBytes("32x")).toThrow("invalid suffix: 'x'");
    expect(() => parseBytes("32mm")).toThrow("invalid suffix: 'mm'");
    expect(() => parseBytes("32kib2")).toThrow('strconv.ParseFloat: parsing "32kib2": invalid syntax');
    expect(() => parseBytes("1..2m")).toThrow('strconv.ParseFloat: parsing "1..2": invalid syntax');
    expect(() => parseBytes("-5m")).toThrow("invalid size: '-5m'");
  });
});

describe("parseNanoCpus (docker's --cpus)", () => {
  test("decimals, fractions and exponents, exactly", () => {
    expect(parseNanoCpus("0.5")).toBe(500_000_000);
    expect(parseNanoCpus("1.5")).toBe(1_500_000_000);
    expect(parseNanoCpus("2")).toBe(2_000_000_000);
    expect(parseNanoCpus("0.1")).toBe(100_000_000);
    expect(parseNanoCpus(".25")).toBe(250_000_000);
    expect(parseNanoCpus("3/2")).toBe(1_500_000_000);
    expect(parseNanoCpus("15e-1")).toBe(1_500_000_000);
    expect(parseNanoCpus("0.000000001")).toBe(1);
    expect(parseNanoCpus("-1")).toBe(-1_000_000_000); // the range check refuses it later
  });

  test("errors", () => {
    expect(() => parseNanoCpus("abc")).toThrow("failed to parse abc as a rational number");
    expect(() => parseNanoCpus("")).toThrow("failed to parse  as a rational number");
    expect(() => parseNanoCpus("1/0")).toThrow("failed to parse 1/0 as a rational number");
    expect(() => parseNanoCpus("0.0000000001")).toThrow("value is too precise");
    expect(() => parseNanoCpus("1/3")).toThrow("value is too precise");
  });
});

describe("parseInteger (strconv.ParseInt)", () => {
  test("signed decimal integers only", () => {
    expect(parseInteger("50")).toBe(50);
    expect(parseInteger("-1")).toBe(-1);
    expect(parseInteger("+7")).toBe(7);
    expect(() => parseInteger("5.0")).toThrow('strconv.ParseInt: parsing "5.0": invalid syntax');
    expect(() => parseInteger("x")).toThrow('strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => parseInteger("9223372036854775808")).toThrow("value out of range");
  });
});

describe("Go durations (time.ParseDuration, Duration.String)", () => {
  test("parse to nanoseconds", () => {
    expect(parseGoDuration("30s")).toBe(30e9);
    expect(parseGoDuration("1m30s")).toBe(90e9);
    expect(parseGoDuration("1.5h")).toBe(5400e9);
    expect(parseGoDuration("500ms")).toBe(500e6);
    expect(parseGoDuration("10us")).toBe(10e3);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("-2s")).toBe(-2e9);
  });

  test("Go's errors", () => {
    expect(() => parseGoDuration("soon")).toThrow('time: invalid duration "soon"');
    expect(() => parseGoDuration("5")).toThrow('time: missing unit in duration "5"');
    expect(() => parseGoDuration("3d")).toThrow('time: unknown unit "d" in duration "3d"');
    expect(() => parseGoDuration("")).toThrow('time: invalid duration ""');
  });

  test("format as Go prints them", () => {
    expect(formatGoDuration(30e9)).toBe("30s");
    expect(formatGoDuration(90e9)).toBe("1m30s");
    expect(formatGoDuration(3600e9)).toBe("1h0m0s");
    expect(formatGoDuration(1.5e9)).toBe("1.5s");
    expect(formatGoDuration(50e6)).toBe("50ms");
    expect(formatGoDuration(0)).toBe("0s");
  });
});
