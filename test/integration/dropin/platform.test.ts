// issue 20 item 11: --platform that does not match the local image is refused, as docker refuses it, rather than run.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Bunker, expectOneLineError } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const host = () => b.ok(["image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", "busybox"]).trim();

test("run and create refuse a local image of another platform, with docker's message and 125; nothing is created", () => {
  const other = host() === "linux/arm64" ? "linux/amd64" : "linux/arm64";
  const message = new RegExp(`image with reference busybox was found but its platform \\(${host()}\\) does not match the specified platform \\(${other}\\)\\.\\n$`);
  expectOneLineError(b.run(["run", "--rm", "--platform", other, "busybox", "true"]), 125, message);
  expectOneLineError(b.run(["create", "--platform", other, "busybox", "true"]), 125, message);
  expect(b.containerIds()).toEqual([]);
});

test("the image's own platform runs", () => {
  expect(b.ok(["run", "--rm", "--platform", host(), "busybox", "echo", "ok"])).toBe("ok\n");
});
