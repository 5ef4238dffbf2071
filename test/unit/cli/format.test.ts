import { describe, expect, test } from "bun:test";
import { ago, bytesSize, humanDuration, humanSize, renderTable, shortId } from "../../../src/cli/format.ts";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

describe("humanSize is docker's HumanSizeWithPrecision(size, 3)", () => {
  test.each([
    [0, "0B"],
    [999, "999B"],
    [1000, "1kB"],
    [1024, "1.02kB"],
    [1_982_362, "1.98MB"],
    [4_261_000, "4.26MB"],
    [72_800_000, "72.8MB"],
    [1_048_576, "1.05MB"],
    [1_234_567_890, "1.23GB"],
  ])("%d -> %s", (bytes, text) => expect(humanSize(bytes)).toBe(text));
});

describe("bytesSize is docker's units.BytesSize (binary, %.4g)", () => {
  test.each([
    [0, "0B"],
    [1023, "1023B"],
    [1024, "1KiB"],
    [1_572_864, "1.5MiB"],
    [134_217_728, "128MiB"],
    [262_144, "256KiB"],
    [1_000_000, "976.6KiB"],
    [8 * 1024 ** 3, "8GiB"],
  ])("%d -> %s", (bytes, text) => expect(bytesSize(bytes)).toBe(text));
});

describe("humanDuration is docker's units.HumanDuration", () => {
  test.each([
    [500, "Less than a second"],
    [1 * S, "1 second"],
    [59 * S, "59 seconds"],
    [60 * S, "About a minute"],
    [119 * S, "About a minute"],
    [2 * MIN, "2 minutes"],
    [59 * MIN, "59 minutes"],
    [60 * MIN, "About an hour"],
    [89 * MIN, "About an hour"],
    [90 * MIN, "2 hours"],
    [47 * H, "47 hours"],
    [48 * H, "2 days"],
    [13 * DAY, "13 days"],
    [14 * DAY, "2 weeks"],
    [59 * DAY, "8 weeks"],
    [60 * DAY, "2 months"],
    [729 * DAY, "24 months"],
    [730 * DAY, "2 years"],
  ])("%d ms -> %s", (ms, text) => expect(humanDuration(ms)).toBe(text));

  test("ago() counts back from now", () => {
    expect(ago("2024-01-01T00:00:00Z", Date.parse("2024-01-01T00:03:00Z"))).toBe("3 minutes ago");
  });
});

describe("renderTable is tabwriter with min width 10 and padding 3", () => {
  test("docker ps with no containers", () => {
    expect(renderTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], [])).toBe(
      "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n",
    );
  });

  test("docker images with one image: wide cells widen their column, the last column is not padded", () => {
    expect(renderTable(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], [["busybox", "latest", "1a4777c04479", "2 weeks ago", "4.26MB"]])).toBe(
      ["REPOSITORY   TAG       IMAGE ID       CREATED       SIZE", "busybox      latest    1a4777c04479   2 weeks ago   4.26MB", ""].join("\n"),
    );
  });
});

test("shortId drops the algorithm and keeps 12 hex digits", () => {
  expect(shortId(`sha256:${"ab".repeat(32)}`)).toBe("abababababab");
  expect(shortId("0123456789abcdef")).toBe("0123456789ab");
});
