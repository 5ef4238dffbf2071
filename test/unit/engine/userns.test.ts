import { describe, expect, test } from "bun:test";
import { applyUserns, hostId, parseIdMap, usernsConfig } from "../../../src/engine/userns.ts";
import type { RuntimeSpec } from "../../../src/runtime/spec.ts";

const cfg = (uidmap: string[], gidmap: string[] = [], userns?: string) => usernsConfig({ userns, uidmap, gidmap });

describe("parseIdMap", () => {
  test("CONTAINER_ID:HOST_ID:SIZE", () => {
    expect(parseIdMap("0:100000:65536", "--uidmap")).toEqual({ containerID: 0, hostID: 100000, size: 65536 });
  });
  test.each(["a:b:c", "0:100000", "0:100000:65536:1", "-1:0:1", "0:1:x", ""])("refuses %p", (text) => {
    expect(() => parseIdMap(text, "--uidmap")).toThrow(/invalid --uidmap .*CONTAINER_ID:HOST_ID:SIZE/);
  });
  test("refuses size 0 and ranges past the last id", () => {
    expect(() => parseIdMap("0:100000:0", "--gidmap")).toThrow('invalid --gidmap "0:100000:0": the size must be at least 1');
    expect(() => parseIdMap("0:4294967290:100", "--uidmap")).toThrow(/must stay below/);
  });
});

describe("usernsConfig", () => {
  test("no flag and --userns host share the host's ids", () => {
    expect(cfg([])).toEqual({ UsernsMode: "", UidMap: null, GidMap: null });
    expect(cfg([], [], "host")).toEqual({ UsernsMode: "host", UidMap: null, GidMap: null });
  });
  test("any other --userns is refused in one line", () => {
    expect(() => cfg([], [], "keep-id")).toThrow(/^invalid --userns "keep-id": only "host" is supported/);
  });
  test("the gid map defaults to the uid map, as in podman", () => {
    const c = cfg(["0:100000:65536"]);
    expect(c.GidMap).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(cfg(["0:100000:65536"], ["0:200000:10"]).GidMap).toEqual([{ containerID: 0, hostID: 200000, size: 10 }]);
  });
  test("overlapping ranges, inside or outside, are refused", () => {
    expect(() => cfg(["0:100000:100", "50:300000:10"])).toThrow('invalid --uidmap: "0:100000:100" and "50:300000:10" overlap');
    expect(() => cfg(["0:100000:100", "100:100050:10"])).toThrow(/overlap/);
    expect(() => cfg(["0:100000:100", "100:100100:10"])).not.toThrow(); // adjacent is fine
    expect(() => cfg(["0:100000:100"], ["0:5:10", "5:50:1"])).toThrow(/invalid --gidmap: .* overlap/);
  });
  test("container root must be mapped; --gidmap alone and --userns host with maps are refused", () => {
    expect(() => cfg(["1:100000:10"])).toThrow("--uidmap must map container uid 0");
    expect(() => cfg([], ["0:1:1"])).toThrow("--gidmap needs --uidmap as well");
    expect(() => cfg(["0:1:1"], [], "host")).toThrow(/conflicts/);
  });
});

test("hostId follows the ranges", () => {
  const maps = [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 10, hostID: 5000, size: 5 }];
  expect(hostId(maps, 0)).toBe(100000);
  expect(hostId(maps, 12)).toBe(5002);
  expect(hostId(maps, 15)).toBeUndefined();
});

test("applyUserns adds the namespace and maps only with maps", () => {
  const spec = { linux: { namespaces: [{ type: "pid" }] } } as unknown as RuntimeSpec;
  applyUserns(spec, cfg([]));
  expect(spec.linux.namespaces).toEqual([{ type: "pid" }]);
  applyUserns(spec, cfg(["0:100000:65536"]));
  expect(spec.linux.namespaces).toEqual([{ type: "pid" }, { type: "user" }]);
  expect(spec.linux.uidMappings).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
  expect(spec.linux.gidMappings).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
});
