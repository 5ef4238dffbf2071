// The subnets the host already routes (its own and other bridges' too), which
// a new network must not overlap.
import { readFileSync } from "node:fs";
import type { Subnet } from "./ipv4.ts";

/** /proc/net/route's destinations, without the default route; its hex fields are little-endian. */
export function hostRoutes(): Subnet[] {
  let text = "";
  try {
    text = readFileSync("/proc/net/route", "utf8");
  } catch {
    return [];
  }
  const le = (hex: string) => Buffer.from(hex, "hex").readUInt32LE(0);
  const out: Subnet[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const mask = le(f[7]);
    if (mask === 0) continue;
    out.push({ base: le(f[1]) >>> 0, prefix: popcount(mask) });
  }
  return out;
}

function popcount(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v; v &= v - 1) c++;
  return c;
}
