import { expect, test } from "bun:test";
import { resolveUser } from "../../../src/engine/user.ts";

const PASSWD = ["root:x:0:0:root:/root:/bin/sh", "app:x:1000:1000:App:/home/app:/bin/sh", "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh", "broken line"].join("\n");
const GROUP = ["root:x:0:", "app:x:1000:", "audio:x:29:app,other", "video:x:44:app", "nogroup:x:65534:"].join("\n");
const resolve = (spec: string) => resolveUser(spec, PASSWD, GROUP);

test.each([
  ["", { uid: 0, gid: 0, additionalGids: [0], home: "/root" }],
  ["root", { uid: 0, gid: 0, additionalGids: [0], home: "/root" }],
  ["app", { uid: 1000, gid: 1000, additionalGids: [29, 44], home: "/home/app" }], // supplementary groups from /etc/group
  ["1000", { uid: 1000, gid: 1000, additionalGids: [29, 44], home: "/home/app" }],
  ["nobody", { uid: 65534, gid: 65534, additionalGids: [65534], home: "/nonexistent" }],
  ["app:audio", { uid: 1000, gid: 29, additionalGids: [29], home: "/home/app" }], // an explicit group replaces the memberships
  ["app:5", { uid: 1000, gid: 5, additionalGids: [5], home: "/home/app" }],
  ["4242", { uid: 4242, gid: 0, additionalGids: [0], home: "/" }], // unknown uid: allowed, gid 0
  ["4242:4343", { uid: 4242, gid: 4343, additionalGids: [4343], home: "/" }],
])("-u %j", (spec, expected) => {
  expect(resolve(spec)).toEqual(expected);
});

test("without passwd and group files, only numeric ids work", () => {
  expect(resolveUser("12:34", null, null)).toEqual({ uid: 12, gid: 34, additionalGids: [34], home: "/" });
  expect(() => resolveUser("app", null, null)).toThrow("unable to find user app: no matching entries in passwd file");
});

test.each([
  ["ghost", "unable to find user ghost: no matching entries in passwd file"],
  ["app:ghosts", "unable to find group ghosts: no matching entries in group file"],
])("-u %s is an error", (spec, message) => {
  expect(() => resolve(spec)).toThrow(message);
});

test("ids of 2^31 and above are refused, as in Docker", () => {
  expect(() => resolve("2147483648")).toThrow("uids and gids must be in range 0-2147483647: 2147483648");
  expect(() => resolve("app:4294967295")).toThrow(/must be in range/);
  expect(resolve("2147483647").uid).toBe(2147483647);
});
