// issue 20 item 12: an image without a created time made every `images --format …` fail ("Invalid Date").
// A FROM scratch build gets its build time (as docker's builders give it); a record without one
// (what earlier builds left) shows as docker's CLI shows Go's zero time.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker } from "../harness.ts";

let b: Bunker;
let dir: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  dir = mkdtempSync("/var/tmp/bunker-nocreated-");
});
afterAll(() => {
  b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test("a FROM scratch build has its build time: images lists it, and every format works", () => {
  const ctx = join(dir, "ctx");
  mkdirSync(ctx);
  writeFileSync(join(ctx, "f"), "f\n");
  writeFileSync(join(ctx, "Dockerfile"), "FROM scratch\nCOPY f /f\n");
  b.ok(["build", "-q", "-t", "scratchy", ctx]);
  expect(b.ok(["images", "--format", "{{.CreatedSince}}", "scratchy"])).toMatch(/^(Less than a second|\d+ seconds?) ago\n$/);
  expect(b.ok(["images", "--format", "{{.CreatedAt}}", "scratchy"])).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} /);
});

test("an image recorded without a created time (as earlier FROM scratch builds left it): Go's zero time, as docker shows one", () => {
  const id = b.ok(["images", "-q", "--no-trunc", "scratchy"]).trim();
  const file = join(b.root, "image", "images.json");
  const store = JSON.parse(readFileSync(file, "utf8")) as { images: Record<string, { id: string; created?: string }> };
  for (const image of Object.values(store.images)) if (image.id === id) delete image.created;
  writeFileSync(file, JSON.stringify(store));

  expect(b.ok(["images", "--format", "{{.CreatedSince}}|{{.CreatedAt}}", "scratchy"])).toBe("|0001-01-01 00:00:00 +0000 UTC\n");
  expect(b.ok(["images", "--format", "{{.Repository}}"]).split("\n")).toEqual(["busybox", "scratchy", ""]); // the undated one sorts oldest
  expect(b.ok(["images", "scratchy"])).toMatch(/\nscratchy +latest +[0-9a-f]{12} +N\/A +2B\n$/);
});
