// IPv4 addresses and subnets as numbers: parsing, containment, overlap.
import { BunkerError } from "../lib/errors.ts";

export interface Subnet {
  /** The network address, as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseAddress(text: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export const formatAddress = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

/** The four bytes in network order. */
export const addressBytes = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

const mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** "10.1.0.0/16"; a host part that is not zero is refused, as docker does. */
export function parseSubnet(text: string): Subnet {
  const [addr, bits, extra] = text.split("/");
  const base = parseAddress(addr);
  const prefix = Number(bits);
  if (base === null || extra !== undefined || !/^\d+$/.test(bits ?? "") || prefix > 30 || prefix < 8)
    throw new BunkerError(`invalid subnet ${text}: give an IPv4 network with a prefix from 8 to 30, e.g. 10.90.0.0/24`);
  if ((base & mask(prefix)) >>> 0 !== base) throw new BunkerError(`invalid subnet ${text}: the host part must be zero (did you mean ${formatAddress((base & mask(prefix)) >>> 0)}/${prefix}?)`);
  return { base, prefix };
}

export const formatSubnet = (s: Subnet) => `${formatAddress(s.base)}/${s.prefix}`;

export const contains = (s: Subnet, a: number) => (a & mask(s.prefix)) >>> 0 === s.base;

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** The last address (broadcast), which is never handed out. */
export const lastAddress = (s: Subnet) => (s.base | ~mask(s.prefix)) >>> 0;

/** Docker's scheme: 02:42 followed by the IPv4 address, so a MAC names its address. */
export const macFor = (a: number) => new Uint8Array([0x02, 0x42, ...addressBytes(a)]);

export const formatMac = (m: Uint8Array) => Array.from(m, (b) => b.toString(16).padStart(2, "0")).join(":");

export function parseMac(text: string): Uint8Array {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(text);
  if (!m) throw new BunkerError(`invalid MAC address ${text}: give six hex pairs such as 02:42:0a:00:00:05`);
  const bytes = new Uint8Array(m.slice(1).map((h) => Number.parseInt(h, 16)));
  if (bytes[0] & 1) throw new BunkerError(`invalid MAC address ${text}: a multicast address cannot name an interface`);
  return bytes;
}
