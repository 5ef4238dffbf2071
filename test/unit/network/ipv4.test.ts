import { expect, test } from "bun:test";
import { contains, formatAddress, lastAddress, macFor, formatMac, overlaps, parseAddress, parseMac, parseSubnet } from "../../../src/network/ipv4.ts";

test("addresses and subnets", () => {
  expect(formatAddress(parseAddress("10.123.0.1") as number)).toBe("10.123.0.1");
  expect(parseAddress("256.1.1.1")).toBeNull();
  expect(parseAddress("1.2.3")).toBeNull();
  const s = parseSubnet("10.123.0.0/16");
  expect(contains(s, parseAddress("10.123.255.254") as number)).toBe(true);
  expect(contains(s, parseAddress("10.124.0.1") as number)).toBe(false);
  expect(formatAddress(lastAddress(s))).toBe("10.123.255.255");
  expect(overlaps(s, parseSubnet("10.123.7.0/24"))).toBe(true);
  expect(overlaps(s, parseSubnet("10.124.0.0/24"))).toBe(false);
  expect(() => parseSubnet("10.123.0.1/16")).toThrow("did you mean 10.123.0.0/16?");
  expect(() => parseSubnet("10.0.0.0/31")).toThrow("prefix from 8 to 30");
});

test("MAC addresses: docker's 02:42 scheme, and parsing", () => {
  expect(formatMac(macFor(parseAddress("10.123.0.2") as number))).toBe("02:42:0a:7b:00:02");
  expect(formatMac(parseMac("02:42:DE:AD:BE:EF"))).toBe("02:42:de:ad:be:ef");
  expect(() => parseMac("01:00:5e:00:00:01")).toThrow("multicast");
  expect(() => parseMac("02:42")).toThrow("six hex pairs");
});
