import { describe, expect, test } from "bun:test";
import { historyRows } from "../../../src/engine/image-history.ts";
import { ellipsis, rfc3339 } from "../../../src/cli/commands/image/history.ts";
import type { ImageConfig } from "../../../src/image/config.ts";

const config = (history: ImageConfig["history"]): ImageConfig => ({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, history });

describe("historyRows", () => {
  test("newest first; non-empty entries take the layer sizes bottom up; the id only on top", () => {
    const rows = historyRows(
      "sha256:top",
      config([{ created_by: "ADD a" }, { created_by: "ENV x", empty_layer: true }, { created_by: "RUN b", comment: "c" }]),
      [100, 200],
    );
    expect(rows).toEqual([
      { id: "sha256:top", created: undefined, createdBy: "RUN b", size: 200, comment: "c" },
      { id: "<missing>", created: undefined, createdBy: "ENV x", size: 0, comment: "" },
      { id: "<missing>", created: undefined, createdBy: "ADD a", size: 100, comment: "" },
    ]);
  });

  test("no history, no rows; more non-empty entries than layers is docker's error", () => {
    expect(historyRows("sha256:x", config(undefined), [1])).toEqual([]);
    expect(() => historyRows("sha256:x", config([{}, {}]), [1])).toThrow("too many non-empty layers in History section");
  });
});

test("ellipsis cuts to the width, the last character an ellipsis", () => {
  expect(ellipsis("short", 45)).toBe("short");
  expect(ellipsis("x".repeat(45), 45)).toBe("x".repeat(45));
  expect(ellipsis("x".repeat(46), 45)).toBe(`${"x".repeat(44)}…`);
});

test("rfc3339 prints seconds and the local offset, Z for UTC", () => {
  const tz = process.env.TZ;
  process.env.TZ = "UTC";
  expect(rfc3339("2024-01-01T12:34:56.789Z")).toBe("2024-01-01T12:34:56Z");
  process.env.TZ = tz;
});
