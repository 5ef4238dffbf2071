import { describe, expect, test } from "bun:test";
import { CAPABILITIES, capabilityMask, DEFAULT_CAPABILITIES, hostCapabilities, normalizeCapabilities, tweakCapabilities } from "../../../src/runtime/capabilities.ts";

// This host's shape: everything up to CAP_CHECKPOINT_RESTORE (40) but CAP_SYS_RESOURCE (24).
const HOST = CAPABILITIES.filter((c) => c !== "CAP_SYS_RESOURCE");
const available = () => HOST;
const tweak = (add: string[], drop: string[], privileged = false) =>
  tweakCapabilities(normalizeCapabilities(add, "CapAdd"), normalizeCapabilities(drop, "CapDrop"), privileged, available);

describe("capabilities", () => {
  test("Docker's 14 are 0xa80425fb", () => {
    expect(DEFAULT_CAPABILITIES.length).toBe(14);
    expect(capabilityMask(DEFAULT_CAPABILITIES)).toBe(0xa80425fbn);
  });

  test("names are normalized: case, CAP_ prefix, ALL", () => {
    expect(normalizeCapabilities(["net_admin", "CAP_SYS_TIME", "all"], "CapAdd")).toEqual(["CAP_NET_ADMIN", "CAP_SYS_TIME", "ALL"]);
    expect(() => normalizeCapabilities(["bogus"], "CapDrop")).toThrow('invalid CapDrop: unknown capability: "CAP_BOGUS"');
  });

  test("Docker's TweakCapabilities rules", () => {
    expect(tweak([], [])).toEqual(DEFAULT_CAPABILITIES);
    expect(tweak(["NET_BIND_SERVICE"], ["ALL"])).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(tweak([], ["chown", "kill"])).toEqual(DEFAULT_CAPABILITIES.filter((c) => c !== "CAP_CHOWN" && c !== "CAP_KILL"));
    expect(tweak(["SYS_ADMIN"], [])).toEqual([...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"]);
    expect(tweak(["ALL"], ["MKNOD"])).toEqual(HOST.filter((c) => c !== "CAP_MKNOD"));
    expect(tweak([], [], true)).toEqual(HOST);
    expect(tweak(["CHOWN"], [])).toEqual(DEFAULT_CAPABILITIES); // no duplicates
  });

  test("adding a capability this host does not have fails clearly", () => {
    expect(() => tweak(["SYS_RESOURCE"], [])).toThrow('capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"');
  });

  test("the host's capabilities come from CapBnd and CapPrm", () => {
    const status = "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n";
    expect(hostCapabilities(status)).toEqual(HOST);
    expect(capabilityMask(hostCapabilities(status))).toBe(0x1fffeffffffn);
  });
});
