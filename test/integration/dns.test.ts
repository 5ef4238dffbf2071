// The embedded DNS resolver (ffi/dns.c, in each container's monitor): on a
// user network, 127.0.0.11 answers container names, aliases and compose
// services (a scaled one with every replica, rotated), scoped to the
// container's own networks, and forwards the rest to the upstream servers:
// here a test server on the network's gateway, given with --dns, so nothing
// leaves the host. The default bridge keeps the host's resolv.conf.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startUpstream, type Upstream } from "../fixtures/dns-upstream.ts";
import { Bunker, BUNKER, REPO } from "./harness.ts";

const NET = 1 + Math.floor(Math.random() * 250);
const GATEWAY = `10.251.${NET}.1`;
const OUTSIDE = "203.0.113.7";

let b: Bunker;
let upstream: Upstream;
let dir: string;
beforeAll(async () => {
  b = Bunker.withBusybox();
  dir = mkdtempSync("/var/tmp/bunker-dns-");
  b.ok(["network", "create", "--subnet", `10.251.${NET}.0/24`, "--gateway", GATEWAY, "front"]);
  b.ok(["network", "create", "back"]);
  upstream = await startUpstream(GATEWAY, { "outside.test": OUTSIDE });
});
afterAll(() => {
  upstream?.stop();
  b.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The addresses of each `nslookup` in OUT, in the order printed ("NXDOMAIN" for a name not found). */
function lookups(out: string): string[][] {
  return out
    .split(/^Server:.*$/m)
    .slice(1)
    .map((part) => (/NXDOMAIN/.test(part) ? ["NXDOMAIN"] : [...part.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1])));
}

/** A shell command on a client container on `front` whose resolver forwards to the test upstream (so the test serves it meanwhile). */
const onFront = (script: string, args: string[] = []) => b.okAsync(["run", "--rm", "--network", "front", "--dns", GATEWAY, ...args, "busybox", "sh", "-c", script]);

const ipOf = (ref: string, network: string) => b.ok(["inspect", "-f", `{{.NetworkSettings.Networks.${network}.IPAddress}}`, ref]).trim();

test("resolv.conf on a user network names only 127.0.0.11, with ndots:0 and --dns-search; the default bridge keeps the host's servers and has no resolver", () => {
  const listening = "grep -c ' 0B00007F:0035 ' /proc/net/udp /proc/net/tcp || true"; // 127.0.0.11:53
  const user = b.ok(["run", "--rm", "--network", "front", "--dns", "10.9.9.9", "--dns-search", "example.test", "busybox", "sh", "-c", `cat /etc/resolv.conf; ${listening}`]);
  expect(user).toBe("nameserver 127.0.0.11\nsearch example.test\noptions ndots:0\n/proc/net/udp:1\n/proc/net/tcp:1\n");
  const ndots = b.ok(["run", "--rm", "--network", "front", "--dns-option", "ndots:2", "busybox", "grep", "^options", "/etc/resolv.conf"]);
  expect(ndots).toBe("options ndots:2\n");
  const bridge = b.ok(["run", "--rm", "busybox", "sh", "-c", `cat /etc/resolv.conf; ${listening}`]);
  expect(bridge).toMatch(/^nameserver (?!127\.)/m);
  expect(bridge).not.toContain("127.0.0.11");
  expect(bridge).toContain("/proc/net/udp:0\n/proc/net/tcp:0\n");
});

test("a container's name, alias, short id and name.network resolve through 127.0.0.11 (UDP and TCP); a name on another network does not", async () => {
  const db = b.ok(["run", "-d", "--name", "db", "--network", "front", "--network-alias", "data", "busybox", "sleep", "1000"]).trim();
  const hidden = b.ok(["run", "-d", "--name", "hidden", "--network", "back", "busybox", "sleep", "1000"]).trim();
  const ip = ipOf(db, "front");
  upstream.questions.length = 0;
  const out = await onFront(`for n in db data ${db.slice(0, 12)} DB.front hidden; do nslookup $n 127.0.0.11; done; ping -c 1 -W 1 data | head -1`);
  expect(lookups(out)).toEqual([[ip], [ip], [ip], [ip], ["NXDOMAIN"]]);
  expect(out).toContain(`PING data (${ip})`); // the C library's resolver too
  // Known names are answered here (AAAA with no record), never upstream; the other network's is asked there.
  expect(upstream.questions).not.toContain("db");
  expect(upstream.questions).toContain("hidden");
  // Over TCP: a 2-byte length, then the query for "db" (id 0x1234, A, IN); the answer holds db's address with TTL 600.
  const query = "\\000\\024\\022\\064\\001\\000\\000\\001\\000\\000\\000\\000\\000\\000\\002db\\000\\000\\001\\000\\001";
  const hex = (await onFront(`printf '${query}' | nc -w 2 127.0.0.11 53 | od -An -tx1 -v`)).split(/\s+/).filter(Boolean);
  const ipHex = ip.split(".").map((o) => Number(o).toString(16).padStart(2, "0"));
  expect(hex.slice(0, 8)).toEqual(["00", "24", "12", "34", "81", "80", "00", "01"]);
  expect(hex.slice(-10)).toEqual(["00", "00", "02", "58", "00", "04", ...ipHex]);
  b.ok(["rm", "-f", db, hidden]);
});

test("names follow membership: a later container, network connect with an alias, disconnect, rm", async () => {
  const early = b.ok(["run", "-d", "--name", "early", "--network", "front", "--dns", GATEWAY, "busybox", "sleep", "1000"]).trim();
  const ask = async (name: string) => lookups(await b.okAsync(["exec", early, "sh", "-c", `nslookup ${name}; true`]))[0];
  const late = b.ok(["run", "-d", "--name", "late", "busybox", "sleep", "1000"]).trim();
  expect(await ask("late")).toEqual(["NXDOMAIN"]); // on the default bridge only
  b.ok(["network", "connect", "--alias", "later", "front", late]);
  expect(await ask("later")).toEqual([ipOf(late, "front")]);
  b.ok(["network", "disconnect", "front", late]);
  expect(await ask("later")).toEqual(["NXDOMAIN"]);
  const third = b.ok(["run", "-d", "--name", "third", "--network", "front", "busybox", "sleep", "1000"]).trim();
  expect(await ask("third")).toEqual([ipOf(third, "front")]);
  b.ok(["rm", "-f", third]);
  expect(await ask("third")).toEqual(["NXDOMAIN"]);
  b.ok(["rm", "-f", early, late]);
});

test("other names go to the --dns servers: their answers and NXDOMAIN come back", async () => {
  const out = await onFront("nslookup outside.test 127.0.0.11; nslookup missing.test 127.0.0.11; true");
  expect(lookups(out)).toEqual([[OUTSIDE], ["NXDOMAIN"]]);
});

function compose(cwd: string, args: string[]) {
  const r = Bun.spawnSync([BUNKER, "--root", b.root, "compose", ...args], { cwd, stdin: "ignore" });
  if (r.exitCode !== 0) throw new Error(`compose ${args.join(" ")}: ${r.stderr}`);
}

const SCALED = `
services:
  web:
    image: busybox
    command: sleep 1000
    deploy:
      replicas: 2
    networks:
      default:
        aliases: [site]
`;

test("compose: a scaled service's replicas are all answered, rotated at each query; its alias too", () => {
  const cwd = join(dir, "rr");
  Bun.spawnSync(["mkdir", "-p", cwd]);
  writeFileSync(join(cwd, "compose.yaml"), SCALED);
  compose(cwd, ["up", "-d"]);
  const ips = ["rr-web-1", "rr-web-2"].map((c) => ipOf(c, "rr_default")).sort();
  const out = b.ok(["run", "--rm", "--network", "rr_default", "busybox", "sh", "-c", "nslookup web; nslookup web; nslookup site"]);
  const [first, second, site] = lookups(out);
  expect([[...first].sort(), [...second].sort(), [...site].sort()]).toEqual([ips, ips, ips]);
  expect(second).toEqual([...first].reverse());
  compose(cwd, ["down", "-t", "0"]);
});

test("glibc's getent asks 127.0.0.11 (Debian): a name and an alias on a user network, a compose service", () => {
  const tar = Bun.spawnSync(["bash", "-c", `source ${join(REPO, "scripts/lib.sh")} && debian_tar`]);
  if (tar.exitCode !== 0) throw new Error(`debian_tar failed: ${tar.stderr}`);
  b.ok(["import", tar.stdout.toString().trim(), "debian"]);
  const db = b.ok(["run", "-d", "--name", "gdb", "--network", "front", "--network-alias", "gdata", "busybox", "sleep", "1000"]).trim();
  const ip = ipOf(db, "front");
  const out = b.ok(["run", "--rm", "--network", "front", "debian", "sh", "-c", "getent hosts gdb; getent hosts gdata; getent ahostsv4 gdb | head -1"]);
  expect(out.split("\n").map((l) => l.split(/\s+/).join(" "))).toEqual([`${ip} gdb`, `${ip} gdata`, `${ip} STREAM gdb`, ""]);
  b.ok(["rm", "-f", db]);
  const cwd = join(dir, "gc");
  Bun.spawnSync(["mkdir", "-p", cwd]);
  writeFileSync(join(cwd, "compose.yaml"), "services:\n  api:\n    image: busybox\n    command: sleep 1000\n  client:\n    image: debian\n    command: sleep 1000\n");
  compose(cwd, ["up", "-d"]);
  const api = ipOf("gc-api-1", "gc_default");
  expect(b.ok(["exec", "gc-client-1", "getent", "hosts", "api"]).split(/\s+/).filter(Boolean)).toEqual([api, "api"]);
  compose(cwd, ["down", "-t", "0"]);
}, 300_000);
