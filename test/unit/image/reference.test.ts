import { describe, expect, test } from "bun:test";
import { canonical, displayParts, parseReference } from "../../../src/image/reference.ts";

const HEX = "0123456789abcdef".repeat(4);
const DIGEST = `sha256:${HEX}`;

describe("parseReference normalises like docker", () => {
  test.each([
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["user/img", "docker.io/user/img:latest"],
    ["docker.io/busybox", "docker.io/library/busybox:latest"],
    ["index.docker.io/busybox", "docker.io/library/busybox:latest"],
    ["localhost/img", "localhost/img:latest"],
    ["localhost:5000/ns/img:v1", "localhost:5000/ns/img:v1"],
    ["Registry.Example/img", "Registry.Example/img:latest"], // a host may have capitals
    [`host.tld/ns/img:tag@${DIGEST}`, `host.tld/ns/img:tag@${DIGEST}`],
    [`img@${DIGEST}`, `docker.io/library/img@${DIGEST}`],
    ["a.b/c_d/e__f/g-h--i/j.k:T_1.x-y", "a.b/c_d/e__f/g-h--i/j.k:T_1.x-y"],
  ])("%s -> %s", (input, expected) => {
    expect(canonical(parseReference(input))).toBe(expected);
  });

  test("splits into domain, path, tag and digest", () => {
    expect(parseReference(`host.tld:443/ns/img:tag@${DIGEST}`)).toEqual({ domain: "host.tld:443", path: "ns/img", tag: "tag", digest: DIGEST });
    expect(parseReference(`img@${DIGEST}`).tag).toBeUndefined();
  });

  test.each([
    ["Upper", /must be lowercase/],
    ["ns/Upper", /must be lowercase/],
    ["img@sha256:abc", /invalid digest/],
    [`img@md5:${HEX}`, /invalid digest/],
    [`img@sha256:${HEX.toUpperCase()}`, /invalid digest/],
    ["img:", /invalid tag/],
    ["img:-tag", /invalid tag/],
    [`img:${"t".repeat(129)}`, /invalid tag/],
    ["img_", /invalid repository name/],
    ["a//b", /invalid repository name/],
    ["host.tld/", /empty name/],
    ["-bad.host/img", /invalid registry host/],
    [HEX, /64-byte hexadecimal/],
  ])("rejects %s", (input, why) => {
    expect(() => parseReference(input)).toThrow(why);
    expect(() => parseReference(input)).toThrow(/^invalid reference format: /);
  });
});

test.each([
  ["docker.io/library/busybox:latest", "busybox", "latest"],
  ["docker.io/user/img:v1", "user/img", "v1"],
  ["localhost:5000/ns/img:v1", "localhost:5000/ns/img", "v1"],
  [`docker.io/library/img@${DIGEST}`, "img", "<none>"],
])("displayParts(%s) shows %s and tag %s", (name, repository, tag) => {
  expect(displayParts(name)).toEqual({ repository, tag });
});
