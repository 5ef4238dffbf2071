// Docker's value syntaxes for resource flags, with its error texts (the CLI
// prefixes them with `invalid argument "V" for "FLAG" flag: `).

const PREFIXES = "kmgtp"; // k = multiple, m = multiple², …

/**
 * go-units RAMInBytes: a decimal number, an optional space, and an optional
 * b, k, m, g, t or p suffix (any case, optionally followed by "b" or "ib"),
 * all binary multiples: "32m", "1.5g", "64MiB", "512 kb", "100".
 */
export function parseBytes(value: string): number {
  return parseSize(value, 1024);
}

/** go-units FromHumanSize: the same syntax in decimal multiples (k = 1000), as docker's log max-size reads it. */
export function parseHumanSize(value: string): number {
  return parseSize(value, 1000);
}

function parseSize(value: string, multiple: number): number {
  // As go-units: the number ends at the last digit, dot or space; the rest is the suffix.
  let sep = value.length - 1;
  while (sep >= 0 && !"0123456789. ".includes(value[sep])) sep--;
  if (sep < 0) throw new Error(`invalid size: '${value}'`);
  const size = parseGoFloat(value.slice(0, value[sep] === " " ? sep : sep + 1));
  if (size < 0) throw new Error(`invalid size: '${value}'`);
  const sfx = value.slice(sep + 1).toLowerCase();
  if (sfx === "" || sfx === "b") return Math.trunc(size);
  const power = PREFIXES.indexOf(sfx[0]) + 1;
  if (power === 0 || sfx.length > 3 || (sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib"))
    throw new Error(`invalid suffix: '${sfx}'`);
  return Math.trunc(size * multiple ** power);
}

function parseGoFloat(num: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(num)) throw new Error(`strconv.ParseFloat: parsing "${num}": invalid syntax`);
  return Number(num);
}

/** Go's strconv.ParseInt(v, 10, 64), which docker's int flags use. */
export function parseInteger(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new Error(`strconv.ParseInt: parsing "${value}": invalid syntax`);
  const n = BigInt(value);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new Error(`strconv.ParseInt: parsing "${value}": value out of range`);
  return Number(n);
}

/**
 * --cpus as docker reads it: a rational number ("1.5", "3/2", "15e-1") in
 * billionths of a CPU, which must come out whole. Exact arithmetic, so 0.1
 * is 100000000 and not 100000000.00000001.
 */
export function parseNanoCpus(value: string): number {
  const [num, den] = parseRational(value);
  const nanos = num * 1_000_000_000n;
  if (nanos % den !== 0n) throw new Error("value is too precise");
  return Number(nanos / den);
}

function parseRational(value: string): [bigint, bigint] {
  const fraction = /^([+-]?\d+)\/(\d+)$/.exec(value);
  if (fraction && BigInt(fraction[2]) !== 0n) return [BigInt(fraction[1]), BigInt(fraction[2])];
  const decimal = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  if (!decimal || (decimal[2] + (decimal[3] ?? "")) === "") throw new Error(`failed to parse ${value} as a rational number`);
  const [, sign, whole, frac = "", exp = "0"] = decimal;
  let num = BigInt(`${sign}${whole}${frac}` || "0");
  let den = 10n ** BigInt(frac.length);
  const e = Number(exp);
  if (Math.abs(e) > 400) throw new Error(`failed to parse ${value} as a rational number`);
  if (e >= 0) num *= 10n ** BigInt(e);
  else den *= 10n ** BigInt(-e);
  return [num, den];
}

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds: "30s", "1m30s", "1.5h", "500ms", "0". */
export function parseGoDuration(value: string): number {
  const invalid = () => new Error(`time: invalid duration "${value}"`);
  const m = /^([+-]?)(.*)$/.exec(value) as RegExpExecArray;
  const body = m[2];
  if (body === "0") return 0;
  if (body === "") throw invalid();
  let total = 0;
  const re = /(\d+\.?\d*|\.\d+)([a-zµμ]*)/gy;
  let part: RegExpExecArray | null;
  let end = 0;
  while ((part = re.exec(body)) !== null) {
    if (part[2] === "") throw new Error(`time: missing unit in duration "${value}"`);
    const unit = DURATION_UNITS[part[2]];
    if (unit === undefined) throw new Error(`time: unknown unit "${part[2]}" in duration "${value}"`);
    total += Number(part[1]) * unit;
    end = re.lastIndex;
    if (end === body.length) break;
  }
  if (end !== body.length) throw invalid();
  return Math.round(m[1] === "-" ? -total : total);
}

/** Go's Duration.String: "30s", "1m30s", "1h0m0s", "1.5s", "500ms". */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  ns = Math.abs(ns);
  const trim = (n: number) => String(Number(n.toFixed(9)));
  if (ns < 1e3) return `${sign}${ns}ns`;
  if (ns < 1e6) return `${sign}${trim(ns / 1e3)}µs`;
  if (ns < 1e9) return `${sign}${trim(ns / 1e6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = `${trim((ns % 60e9) / 1e9)}s`;
  return h > 0 ? `${sign}${h}h${m}m${s}` : m > 0 ? `${sign}${m}m${s}` : `${sign}${s}`;
}
