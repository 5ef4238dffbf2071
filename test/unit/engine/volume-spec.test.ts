import { expect, test } from "bun:test";
import { absoluteVolumeSource, parseVolumeSpec } from "../../../src/engine/volume-spec.ts";

test("an absolute source is a bind", () => {
  expect(parseVolumeSpec("/host/dir/:/data:ro")).toEqual({ kind: "bind", source: "/host/dir", destination: "/data", mode: "ro", rw: false });
  expect(parseVolumeSpec("/h:/c")).toEqual({ kind: "bind", source: "/h", destination: "/c", mode: "", rw: true });
});

test("a bind takes a propagation mode; SELinux and consistency modes are accepted and change nothing", () => {
  expect(parseVolumeSpec("/h:/c:ro,rslave")).toEqual({ kind: "bind", source: "/h", destination: "/c", mode: "ro,rslave", rw: false, propagation: "rslave" });
  expect(parseVolumeSpec("/h:/c:Z,cached")).toEqual({ kind: "bind", source: "/h", destination: "/c", mode: "Z,cached", rw: true });
  for (const bad of ["/h:/c:shared,slave", "data:/c:rshared"]) expect(() => parseVolumeSpec(bad), bad).toThrow(/invalid volume specification/);
});

test("a name is a named volume, with ro and nocopy", () => {
  expect(parseVolumeSpec("data:/data")).toEqual({ kind: "volume", name: "data", destination: "/data", mode: "", rw: true, nocopy: false });
  expect(parseVolumeSpec("my_vol.1:/x/:ro,nocopy")).toEqual({ kind: "volume", name: "my_vol.1", destination: "/x", mode: "ro,nocopy", rw: false, nocopy: true });
});

test("a lone absolute path is an anonymous volume", () => {
  expect(parseVolumeSpec("/anon/")).toEqual({ kind: "anonymous", destination: "/anon", mode: "", rw: true, nocopy: false });
});

test("malformed specs are refused", () => {
  for (const bad of ["relative", "./rel:/x", "../up:/x", "a:relative", "a/b:/x", "x:/y:bogus", "/h:/c:nocopy", "a:b:c:d", ":/x", "/x:"])
    expect(() => parseVolumeSpec(bad), bad).toThrow(/invalid volume specification/);
});

test("the client makes a host path starting with . absolute under the working directory (docker 23+); others stay", () => {
  const cases: [string, string][] = [
    [".:/src", "/w/d:/src"],
    ["./data:/d:ro", "/w/d/data:/d:ro"],
    ["../x:/y", "/w/x:/y"],
    [".cache:/c", "/w/d/.cache:/c"],
    ["name:/v", "name:/v"],
    ["/abs:/a", "/abs:/a"],
    ["/anonymous", "/anonymous"],
  ];
  for (const [given, want] of cases) expect(absoluteVolumeSource(given, "/w/d"), given).toBe(want);
});
