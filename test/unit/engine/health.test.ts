import { describe, expect, test } from "bun:test";
import { applyResult, type HealthConfig, healthcheckConfig, type HealthState, initialHealth, mergeHealthcheck, probeCommand } from "../../../src/engine/health.ts";

const none = { none: false };

describe("healthcheckConfig (the docker CLI's --health-* rules)", () => {
  test("no flag, no config; --health-cmd is a shell command", () => {
    expect(healthcheckConfig(none)).toBeUndefined();
    expect(healthcheckConfig({ ...none, cmd: "curl -f localhost", interval: "5s", retries: "2" })).toEqual({
      Test: ["CMD-SHELL", "curl -f localhost"],
      Interval: 5e9,
      Timeout: 0,
      StartPeriod: 0,
      StartInterval: 0,
      Retries: 2,
    });
    // A timing flag alone keeps the image's command (an empty Test inherits it).
    expect(healthcheckConfig({ ...none, timeout: "3s" })?.Test).toEqual([]);
  });

  test("--no-healthcheck disables, and conflicts with the other flags", () => {
    expect(healthcheckConfig({ none: true })).toEqual({ Test: ["NONE"] });
    expect(() => healthcheckConfig({ none: true, cmd: "true" })).toThrow("--no-healthcheck conflicts with --health-* options");
  });

  test("docker's errors for bad values", () => {
    expect(() => healthcheckConfig({ ...none, interval: "often" })).toThrow('invalid argument "often" for "--health-interval" flag: time: invalid duration "often"');
    expect(() => healthcheckConfig({ ...none, retries: "x" })).toThrow('invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => healthcheckConfig({ ...none, timeout: "-1s" })).toThrow("--health-timeout cannot be negative");
    expect(() => healthcheckConfig({ ...none, interval: "10us" })).toThrow("Interval in Healthcheck cannot be less than 1ms");
    expect(() => healthcheckConfig({ ...none, startInterval: "-1s" })).toThrow("--health-start-interval cannot be negative");
  });
});

test("mergeHealthcheck: the container's fields win, unset ones come from the image", () => {
  const image: HealthConfig = { Test: ["CMD", "check"], Interval: 10e9, Timeout: 5e9, Retries: 4 };
  expect(mergeHealthcheck(image, undefined)).toBe(image);
  expect(mergeHealthcheck(undefined, { Test: ["NONE"] })).toEqual({ Test: ["NONE"] });
  expect(mergeHealthcheck(image, { Test: [], Interval: 0, Timeout: 1e9, StartPeriod: 0, Retries: 0 })).toEqual({
    Test: ["CMD", "check"],
    Interval: 10e9,
    Timeout: 1e9,
    StartPeriod: undefined,
    Retries: 4,
  });
});

test("probeCommand: CMD as is, CMD-SHELL through /bin/sh, NONE and nothing are no check", () => {
  expect(probeCommand({ Test: ["CMD", "cat", "/ok"] })).toEqual(["cat", "/ok"]);
  expect(probeCommand({ Test: ["CMD-SHELL", "exit 1"] })).toEqual(["/bin/sh", "-c", "exit 1"]);
  expect(probeCommand({ Test: ["NONE"] })).toBeNull();
  expect(probeCommand(undefined)).toBeNull();
  expect(initialHealth({ Config: { Healthcheck: { Test: ["CMD-SHELL", "true"] } } })).toEqual({ Status: "starting", FailingStreak: 0, Log: [] });
  expect(initialHealth({ Config: {} })).toBeUndefined();
});

describe("applyResult (moby's handleProbeResult)", () => {
  const started = "2026-01-01T00:00:00.000Z";
  const at = (seconds: number, exitCode: number, output = "") => ({
    Start: new Date(Date.parse(started) + seconds * 1000).toISOString(),
    End: new Date(Date.parse(started) + seconds * 1000 + 10).toISOString(),
    ExitCode: exitCode,
    Output: output,
  });
  const starting: HealthState = { Status: "starting", FailingStreak: 0, Log: [] };

  test("a success is healthy and resets the streak; Retries failures in a row are unhealthy", () => {
    const config = { Retries: 2 };
    let h = applyResult(starting, config, started, at(1, 1));
    expect([h.Status, h.FailingStreak]).toEqual(["starting", 1]);
    h = applyResult(h, config, started, at(2, 1));
    expect([h.Status, h.FailingStreak]).toEqual(["unhealthy", 2]);
    h = applyResult(h, config, started, at(3, 0));
    expect([h.Status, h.FailingStreak]).toEqual(["healthy", 0]);
    h = applyResult(h, config, started, at(4, 1));
    expect([h.Status, h.FailingStreak]).toEqual(["healthy", 1]);
  });

  test("failures within the start period do not count while starting", () => {
    const config = { Retries: 1, StartPeriod: 60e9 };
    const h = applyResult(starting, config, started, at(30, 1));
    expect([h.Status, h.FailingStreak, h.Log.length]).toEqual(["starting", 0, 1]);
    expect(applyResult(h, config, started, at(61, 1)).Status).toBe("unhealthy");
  });

  test("keeps the last 5 results, each output cut at 4096 bytes; Retries defaults to 3", () => {
    let h = starting;
    for (let i = 0; i < 7; i++) h = applyResult(h, {}, started, at(i, 1, "x".repeat(5000)));
    expect(h.Log.map((r) => r.Start)).toEqual([2, 3, 4, 5, 6].map((i) => at(i, 1).Start));
    expect(h.Log[0].Output.length).toBe(4096);
    expect(applyResult(starting, {}, started, at(1, 1)).Status).toBe("starting");
  });
});
