// Networking through the compiled binary: the default bridge, published
// ports, network modes, /etc files, errors, concurrency and leaks. Traffic
// goes only to loopback, the host's own addresses and bunker's containers.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { Bunker, BUNKER, busyboxTar, expectOneLineError } from "./harness.ts";

let b: Bunker;
let www: string;

/**
 * Ten consecutive host ports no process listens on, drawn at random: other test
 * runs on this host (other roots) publish ports at the same time, and a host
 * port is a host-wide resource.
 */
function portBlock(): number {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 1000) * 10;
    const free = Array.from({ length: 10 }, (_, i) => {
      try {
        Bun.listen({ hostname: "0.0.0.0", port: base + i, socket: { data() {} } }).stop(true);
        return true;
      } catch {
        return false;
      }
    });
    if (free.every(Boolean)) return base;
  }
}
const P = portBlock();
const WEB = P;
const RANGE = P + 1; // and P + 2
const UDP = P + 3;
const TAKEN = P + 4;
const CYCLED = P + 5;
const KILLED = P + 6;
const ISLAND = P + 7;
/** Third octets for the tests' fixed subnets, drawn at random for the same reason. */
const NET = Math.floor(Math.random() * 250);
beforeAll(() => {
  b = Bunker.withBusybox();
  b.ok(["import", "-c", "EXPOSE 80 7000/udp", busyboxTar(), "exposer"]);
  www = mkdtempSync("/var/tmp/bunker-www-");
  writeFileSync(join(www, "index.html"), "hello from bunker\n");
});
afterAll(() => {
  b.cleanup();
  rmSync(www, { recursive: true, force: true });
});

/** The host's own IPv4 address (not loopback, not a bridge of bunker's). */
function hostAddress(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (name === "bunker0" || name.startsWith("br-") || name.startsWith("vb")) continue;
    const a = addrs?.find((x) => x.family === "IPv4" && !x.internal);
    if (a) return a.address;
  }
  throw new Error("no host address");
}

/** A running busybox httpd serving `www` on port 80; exec returns once it listens (it daemonizes after binding). */
function startWeb(args: string[], image = "busybox"): string {
  const id = b.ok(["run", "-d", "-v", `${www}:/www:ro`, ...args, image, "sleep", "1000"]).trim();
  b.ok(["exec", id, "httpd", "-p", "80", "-h", "/www"]);
  return id;
}

const inspect = (id: string, format: string) => b.ok(["inspect", "-f", format, id]).trim();
const httpGet = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3";

test("the default network is a bridge: an address, a default route, docker's NetworkSettings", () => {
  const id = b.ok(["run", "-d", "busybox", "sleep", "1000"]).trim();
  const ip = inspect(id, "{{.NetworkSettings.IPAddress}}");
  const gw = inspect(id, "{{.NetworkSettings.Gateway}}");
  expect(ip).toMatch(/^10\.123\.\d+\.\d+$/);
  expect(gw).toBe("10.123.0.1");
  expect(inspect(id, "{{.HostConfig.NetworkMode}}")).toBe("bridge");
  expect(inspect(id, "{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Networks.bridge.IPPrefixLen}}")).toBe(`${ip} 16`);
  const mac = inspect(id, "{{.NetworkSettings.MacAddress}}");
  expect(mac).toBe(`02:42:${ip.split(".").map((n) => Number(n).toString(16).padStart(2, "0")).join(":")}`);
  expect(b.ok(["exec", id, "ip", "-o", "-4", "addr", "show", "eth0"])).toContain(`inet ${ip}/16`);
  expect(b.ok(["exec", id, "ip", "route"])).toContain(`default via ${gw} dev eth0`);
  expect(b.ok(["exec", id, "cat", "/etc/hosts"])).toContain(`${ip}\t${id.slice(0, 12)}\n`);
  // The host reaches it through the bridge, and it reaches the gateway.
  expect(b.run(["exec", id, "ping", "-c", "1", "-W", "2", gw]).exitCode).toBe(0);
  b.ok(["rm", "-f", id]);
});

test("a stopped container keeps its networks but not its address", () => {
  b.ok(["run", "--name", "stopped", "busybox", "true"]);
  const id = "stopped";
  expect(inspect(id, "{{.NetworkSettings.IPAddress}}|{{.NetworkSettings.Networks.bridge.NetworkID}}")).toMatch(/^\|[0-9a-f]{64}$/);
  b.ok(["rm", id]);
});

test("resolv.conf comes from the host's without loopback nameservers; --dns, --dns-search, --dns-option, --add-host, --hostname", () => {
  const conf = b.ok(["run", "--rm", "busybox", "cat", "/etc/resolv.conf"]);
  expect(conf).toMatch(/^nameserver /m);
  expect(conf).not.toMatch(/^nameserver\s+127\./m);
  const custom = b.ok(["run", "--rm", "--dns", "10.9.9.9", "--dns-search", "example.test", "--dns-option", "ndots:3", "busybox", "cat", "/etc/resolv.conf"]);
  expect(custom).toContain("nameserver 10.9.9.9\n");
  expect(custom).toContain("search example.test\n");
  expect(custom).toContain("options ndots:3\n");
  const created = b.ok(["create", "--dns-option", "rotate", "busybox", "true"]).trim();
  expect(b.ok(["inspect", "-f", "{{json .HostConfig.DnsOptions}}", created])).toBe('["rotate"]\n');
  b.ok(["rm", created]);
  expect(custom.match(/^nameserver /gm)?.length).toBe(1);
  const hosts = b.ok(["run", "--rm", "--add-host", "db.test:10.1.2.3", "--hostname", "box", "busybox", "cat", "/etc/hosts"]);
  expect(hosts).toContain("10.1.2.3\tdb.test\n");
  expect(hosts).toMatch(/^10\.123\.\d+\.\d+\tbox$/m);
});

test("--mac-address sets eth0's address", () => {
  const out = b.ok(["run", "--rm", "--mac-address", "02:42:de:ad:be:ef", "busybox", "cat", "/sys/class/net/eth0/address"]);
  expect(out).toBe("02:42:de:ad:be:ef\n");
});

test("-p publishes on 127.0.0.1 and the host's address, and to other containers through the host (hairpin)", async () => {
  const id = startWeb(["-p", `${WEB}:80`]);
  expect(await (await fetch(`http://127.0.0.1:${WEB}/`)).text()).toBe("hello from bunker\n");
  expect(await (await fetch(`http://${hostAddress()}:${WEB}/`)).text()).toBe("hello from bunker\n");
  const viaHost = b.ok(["run", "--rm", "busybox", "sh", "-c", `${httpGet} ${hostAddress()} ${WEB}`]);
  expect(viaHost).toContain("hello from bunker");
  // Its own published port, from inside itself.
  expect(b.ok(["exec", id, "sh", "-c", `${httpGet} ${hostAddress()} ${WEB}`])).toContain("hello from bunker");
  expect(b.ok(["port", id])).toBe(`80/tcp -> 0.0.0.0:${WEB}\n`);
  expect(b.ok(["ps", "--filter", `id=${id}`]).split("\n")[1]).toMatch(new RegExp(` 0\\.0\\.0\\.0:${WEB}->80/tcp +\\S+$`)); // the default table's PORTS
  expect(inspect(id, "{{json .HostConfig.PortBindings}}")).toBe(`{"80/tcp":[{"HostIp":"","HostPort":"${WEB}"}]}`);
  expect(inspect(id, "{{json .NetworkSettings.Ports}}")).toBe(`{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${WEB}"}]}`);
  b.ok(["rm", "-f", id]);
});

test("-p with a host address and ranges; udp", async () => {
  const id = b.ok(["run", "-d", "-p", `127.0.0.1:${RANGE}-${RANGE + 1}:80-81`, "-p", `${UDP}:53/udp`, "busybox", "sleep", "1000"]).trim();
  expect(b.ok(["port", id]).split("\n").sort().filter(Boolean)).toEqual([
    `53/udp -> 0.0.0.0:${UDP}`,
    `80/tcp -> 127.0.0.1:${RANGE}`,
    `81/tcp -> 127.0.0.1:${RANGE + 1}`,
  ]);
  b.ok(["rm", "-f", id]);
});

test("-P publishes the image's EXPOSEd ports on random host ports, and port reports them", async () => {
  const id = startWeb(["-P"], "exposer");
  const tcp = b.ok(["port", id, "80"]).trim();
  expect(tcp).toMatch(/^0\.0\.0\.0:\d+$/);
  expect(b.ok(["port", id, "7000/udp"])).toMatch(/^0\.0\.0\.0:\d+\n$/);
  expect(await (await fetch(`http://127.0.0.1:${tcp.split(":")[1]}/`)).text()).toBe("hello from bunker\n");
  b.ok(["rm", "-f", id]);
});

test("bad publishing is exit 125 with a clear message: port taken by a container or the host, invalid ports", () => {
  const first = b.ok(["run", "-d", "-p", `${TAKEN}:80`, "busybox", "sleep", "1000"]).trim();
  expectOneLineError(b.run(["run", "--rm", "-p", `${TAKEN}:80`, "busybox", "true"]), 125, new RegExp(`^bunker: Bind for 0\\.0\\.0\\.0:${TAKEN} failed: port is already allocated`));
  b.ok(["rm", "-f", first]);
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    expectOneLineError(b.run(["run", "--rm", "-p", `${server.port}:80`, "busybox", "true"]), 125, /port is already allocated/);
  } finally {
    server.stop(true);
  }
  expectOneLineError(b.run(["run", "--rm", "-p", "99999:80", "busybox", "true"]), 125, /^bunker: invalid hostPort: 99999\n$/);
  expectOneLineError(b.run(["run", "--rm", "-p", "80:0", "busybox", "true"]), 125, /^bunker: invalid containerPort: 0\n$/);
  expectOneLineError(b.run(["run", "--rm", "-p", "80/sctp", "busybox", "true"]), 125, /invalid proto: sctp/);
  expectOneLineError(b.run(["run", "--rm", "--network", "nope", "busybox", "true"]), 125, /^bunker: network nope not found\n$/);
  // The failed runs left no container behind.
  expect(b.ok(["ps", "-a", "-q"])).toBe("");
});

test("--network none has only lo; host sees the host's interfaces; container:X shares X's", () => {
  expect(b.ok(["run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"]).split(/\s+/).filter(Boolean)).toEqual(["lo"]);
  const hostLinks = readdirSync("/sys/class/net").filter((n) => !n.startsWith("vb")).sort();
  const seen = b.ok(["run", "--rm", "--network", "host", "busybox", "ls", "/sys/class/net"]).split(/\s+/).filter((n) => n && !n.startsWith("vb")).sort();
  expect(seen).toEqual(hostLinks);
  const x = b.ok(["run", "-d", "--name", "netowner", "busybox", "sleep", "1000"]).trim();
  const ip = inspect(x, "{{.NetworkSettings.IPAddress}}");
  const shared = b.ok(["run", "--rm", "--network", "container:netowner", "busybox", "sh", "-c", "ip -o -4 addr show eth0; hostname; cat /etc/hosts"]);
  expect(shared).toContain(`inet ${ip}/16`);
  expect(shared).toContain(`${x.slice(0, 12)}\n`); // X's host name, and X's hosts file
  expect(shared).toContain(`${ip}\t${x.slice(0, 12)}\n`);
  expectOneLineError(b.run(["run", "--rm", "--network", "container:netowner", "-h", "other", "busybox", "true"]), 125, /conflicting options: hostname and the network mode/);
  expectOneLineError(b.run(["run", "--rm", "--network", "container:netowner", "-p", "80", "busybox", "true"]), 125, /conflicting options: port publishing/);
  b.ok(["rm", "-f", x]);
});

test("20 containers started in parallel get distinct addresses and reach each other", async () => {
  const ids = (await Promise.all(Array.from({ length: 20 }, () => b.okAsync(["run", "-d", "busybox", "sleep", "1000"])))).map((s) => s.trim());
  const ips = ids.map((id) => inspect(id, "{{.NetworkSettings.IPAddress}}"));
  expect(new Set(ips).size).toBe(20);
  const pings = await Promise.all(ids.map((id, i) => b.runAsync(["exec", id, "ping", "-c", "1", "-W", "3", ips[(i + 1) % 20]])));
  expect(pings.map((p) => p.exitCode)).toEqual(Array(20).fill(0));
  b.ok(["rm", "-f", ...ids]);
});

/**
 * What the containers `ids` could leave on the host: their veths and addresses, their published ports,
 * their endpoints, and extra addresses on the shared bridge. Only these: other test files create and
 * prune bridges meanwhile, so the rest of the host's links are not this test's to compare.
 */
function leftOnHost(ids: string[]) {
  const ip = (args: string[]) => Bun.spawnSync(["ip", ...args]).stdout.toString().split("\n");
  const ours = (line: string) => ids.some((id) => line.includes(`vb${id.slice(0, 10)}`));
  const table = Bun.spawnSync(["nft", "list", "table", "ip", "bunker"]).stdout.toString();
  let endpoints: { container: string }[] = [];
  try {
    endpoints = JSON.parse(readFileSync("/run/bunker/net/state.json", "utf8")).endpoints;
  } catch {
    // no state yet
  }
  return {
    ourLinks: ip(["-o", "link"]).filter(ours).map((l) => l.split(":")[1].split("@")[0].trim()),
    ourAddresses: ip(["-o", "addr"]).filter(ours).length,
    ourPorts: table.split("\n").filter((l) => l.includes(` ${CYCLED} `) || l.includes(` ${KILLED} `)),
    ourEndpoints: endpoints.filter((e) => ids.includes(e.container)),
    extraBridgeAddresses: Math.max(0, ip(["-o", "-4", "addr", "show", "dev", "bunker0"]).filter(Boolean).length - 1), // its gateway only
  };
}
const NOTHING_LEFT = { ourLinks: [], ourAddresses: 0, ourPorts: [], ourEndpoints: [], extraBridgeAddresses: 0 };

test("50 cycles of run -d -p / rm -f leave no link, address, nftables element or endpoint behind", () => {
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    const id = b.ok(["run", "-d", "-p", `${CYCLED}:80`, "busybox", "sleep", "1000"]).trim(); // free again after each rm
    ids.push(id);
    b.ok(["rm", "-f", id]);
  }
  expect(leftOnHost(ids)).toEqual(NOTHING_LEFT);
});

test("a CLI killed mid-run leaves nothing once the next operation repairs it", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const cli = Bun.spawn([BUNKER, "--root", b.root, "run", "-p", `${KILLED}:80`, "busybox", "sleep", "1000"], { stdout: "ignore", stderr: "ignore" });
    // Killed as soon as its endpoint exists: between attaching the veth and the container's start.
    let exited = false;
    void cli.exited.then(() => {
      exited = true;
    });
    for (;;) {
      let owners: number[] = [];
      try {
        owners = JSON.parse(readFileSync("/run/bunker/net/state.json", "utf8")).endpoints.map((e: { owner: number }) => e.owner);
      } catch {
        // being written
      }
      if (owners.includes(cli.pid) || exited) break;
      await new Promise((resolve) => setImmediate(resolve)); // lets the event loop notice an exit that came first
    }
    cli.kill(9);
    await cli.exited;
    const made = b.ok(["ps", "-a", "-q", "--no-trunc"]).split("\n").filter(Boolean);
    ids.push(...made);
    b.ok(["network", "prune", "-f"]);
    if (made.length > 0) b.ok(["rm", "-f", ...made]);
  }
  expect(leftOnHost(ids)).toEqual(NOTHING_LEFT);
});

test("containers on a user network reach each other by name and alias; the default bridge does not resolve names", () => {
  const net = b.ok(["network", "create", "appnet"]).trim();
  expect(net).toMatch(/^[0-9a-f]{64}$/);
  const web = startWeb(["--name", "web", "--network", "appnet", "--network-alias", "www"]);
  for (const name of ["web", "www", web.slice(0, 12)]) {
    const r = b.run(["run", "--rm", "--network", "appnet", "busybox", "sh", "-c", `${httpGet} ${name} 80`]);
    expect([r.stdout.includes("hello from bunker"), r.exitCode]).toEqual([true, 0]);
  }
  // A later peer resolves in an earlier container (its embedded resolver), and stops resolving when it goes.
  const db = b.ok(["run", "-d", "--name", "db", "--network", "appnet", "busybox", "sleep", "1000"]).trim();
  expect(b.run(["exec", "web", "ping", "-c", "1", "-W", "2", "db"]).exitCode).toBe(0);
  b.ok(["rm", "-f", db]);
  expect(b.run(["exec", "web", "ping", "-c", "1", "-W", "1", "db"]).stderr).toContain("bad address 'db'");
  // The default bridge has no name resolution, as in docker.
  const other = b.ok(["run", "-d", "--name", "plain", "busybox", "sleep", "1000"]).trim();
  expect(b.run(["run", "--rm", "busybox", "ping", "-c", "1", "-W", "1", "plain"]).stderr).toContain("bad address 'plain'");
  const inspected = JSON.parse(b.ok(["network", "inspect", "appnet"]))[0];
  expect(b.ok(["inspect", "-f", "{{.Name}} {{.Driver}}", "appnet"])).toBe("appnet bridge\n");
  expect(b.ok(["inspect", "--type", "network", "-f", "{{.Id}}", "bridge"]).trim()).toMatch(/^[0-9a-f]{64}$/);
  expect(Object.values(inspected.Containers).map((c) => (c as { Name: string }).Name)).toEqual(["web"]);
  expect(inspected.IPAM.Config[0].Subnet).toMatch(/^10\.\d+\.\d+\.0\/24$/);
  b.ok(["rm", "-f", web, other]);
  const bridge = `br-${net.slice(0, 12)}`;
  expect(readdirSync("/sys/class/net")).toContain(bridge);
  expect(b.ok(["network", "rm", "appnet"])).toBe("appnet\n");
  expect(readdirSync("/sys/class/net")).not.toContain(bridge);
});

test("network connect and disconnect a running container; --ip on a user network", () => {
  b.ok(["network", "create", "--subnet", `10.250.${NET}.0/24`, "--gateway", `10.250.${NET}.254`, "fixed"]);
  const id = b.ok(["run", "-d", "--name", "multi", "busybox", "sleep", "1000"]).trim();
  b.ok(["network", "connect", "--ip", `10.250.${NET}.9`, "--alias", "m", "fixed", "multi"]);
  expect(b.ok(["exec", id, "ip", "-o", "-4", "addr", "show", "eth1"])).toContain(`inet 10.250.${NET}.9/24`);
  expect(inspect(id, "{{.NetworkSettings.Networks.fixed.IPAddress}} {{.NetworkSettings.Networks.fixed.Gateway}}")).toBe(`10.250.${NET}.9 10.250.${NET}.254`);
  const peer = b.ok(["run", "--rm", "--network", "fixed", "--ip", `10.250.${NET}.20`, "busybox", "sh", "-c", "ip -o -4 addr show eth0; ping -c 1 -W 2 m"]);
  expect(peer).toContain(`inet 10.250.${NET}.20/24`);
  b.ok(["network", "disconnect", "fixed", "multi"]);
  expect(b.run(["exec", id, "ip", "addr", "show", "eth1"]).exitCode).not.toBe(0);
  expect(inspect(id, "{{len .NetworkSettings.Networks}}")).toBe("1");
  b.ok(["rm", "-f", id]);
  b.ok(["network", "rm", "fixed"]);
});

test("bridges are isolated as docker's are: another network is reached by joining it, or through a published port", () => {
  b.ok(["network", "create", "island"]);
  b.ok(["network", "create", "mainland"]);
  const web = startWeb(["--network", "island", "-p", `${ISLAND}:80`]);
  const address = inspect(web, "{{.NetworkSettings.Networks.island.IPAddress}}");
  const visitor = b.ok(["run", "-d", "--network", "mainland", "busybox", "sleep", "1000"]).trim();
  const ping = ["ping", "-c", "1", "-W", "1", address];
  expect(b.run(["exec", visitor, ...ping]).exitCode).toBe(1);
  expect(b.run(["run", "--rm", "busybox", ...ping]).exitCode).toBe(1); // nor from the default bridge
  expect(b.ok(["exec", visitor, "sh", "-c", `${httpGet} ${hostAddress()} ${ISLAND}`])).toContain("hello from bunker");
  b.ok(["network", "connect", "island", visitor]);
  expect(b.run(["exec", visitor, ...ping]).exitCode).toBe(0);
  b.ok(["rm", "-f", web, visitor]);
  b.ok(["network", "rm", "island", "mainland"]);
});

test("--link: the linked container in /etc/hosts by alias, host name and name, with docker's variables; a missing or stopped one is refused", () => {
  const linked = b.ok(["run", "-d", "--name", "linked", "exposer", "sleep", "1000"]).trim();
  const ip = inspect(linked, "{{.NetworkSettings.IPAddress}}");
  const out = b.ok(["run", "--rm", "--name", "linker", "--link", "linked:cache", "busybox", "sh", "-c", "grep cache /etc/hosts; env | grep ^CACHE_ | sort"]);
  const port = (n: string, proto: string) => [`CACHE_PORT_${n}_${proto.toUpperCase()}=${proto}://${ip}:${n}`, `CACHE_PORT_${n}_${proto.toUpperCase()}_ADDR=${ip}`, `CACHE_PORT_${n}_${proto.toUpperCase()}_PORT=${n}`, `CACHE_PORT_${n}_${proto.toUpperCase()}_PROTO=${proto}`];
  expect(out.split("\n")).toEqual([`${ip}\tcache ${linked.slice(0, 12)} linked`, "CACHE_NAME=/linker/cache", `CACHE_PORT=tcp://${ip}:80`, ...port("7000", "udp"), ...port("80", "tcp"), ""]);
  const linker = b.ok(["create", "--link", "linked", "busybox", "true"]).trim();
  expect(inspect(linker, "{{json .HostConfig.Links}}")).toBe(`["/linked:${inspect(linker, "{{.Name}}")}/linked"]`);
  b.ok(["stop", "-t", "0", linked]);
  expectOneLineError(b.run(["start", linker]), 1, /Cannot link to a non running container: \/linked AS \/.+\/linked/);
  expectOneLineError(b.run(["run", "--rm", "--link", "nosuch:x", "busybox", "true"]), 125, /could not get container for nosuch/);
  b.ok(["rm", linked, linker]);
});

test("network errors: overlapping subnet, unknown network, pre-defined networks, in use", () => {
  expectOneLineError(b.run(["network", "create", "--subnet", "10.123.9.0/24", "clash"]), 125, /Pool overlaps with other one on this address space/);
  b.ok(["network", "create", "--subnet", `10.251.${NET}.0/24`, "first"]);
  expectOneLineError(b.run(["network", "create", "--subnet", `10.251.${NET}.128/25`, "second"]), 125, /Pool overlaps/);
  expectOneLineError(b.run(["network", "create", "first"]), 125, /network with name first already exists/);
  expectOneLineError(b.run(["run", "--rm", "--network", "nonet", "busybox", "true"]), 125, /network nonet not found/);
  expect(b.run(["network", "rm", "bridge"]).stderr).toContain("bridge is a pre-defined network and cannot be removed");
  expectOneLineError(b.run(["run", "--rm", "--ip", "10.123.0.50", "busybox", "true"]), 125, /user specified IP address is supported only/);
  const id = b.ok(["run", "-d", "--network", "first", "busybox", "sleep", "1000"]).trim();
  expect(b.run(["network", "rm", "first"]).stderr).toContain("has active endpoints");
  b.ok(["rm", "-f", id]);
  expect(b.ok(["network", "prune", "-f"])).toBe("Deleted Networks:\nfirst\n\n");
  expect(b.ok(["network", "ls", "-q", "--filter", "name=first"])).toBe("");
  const labelled = b.ok(["network", "create", "--label", "app=x", "labelled"]).trim();
  expect(b.ok(["network", "ls", "-q", "--no-trunc", "--filter", "label=app=x"])).toBe(`${labelled}\n`);
  expect(b.ok(["network", "ls", "--filter", "label=app", "--format", "{{.Name}} {{.Driver}} {{.Labels}}"])).toBe("labelled bridge app=x\n");
  b.ok(["network", "rm", labelled]);
});

test("a user network whose state root was deleted loses its bridge at the next network operation", () => {
  const other = new Bunker();
  const id = other.ok(["network", "create", "orphan"]).trim();
  const bridge = `br-${id.slice(0, 12)}`;
  expect(readdirSync("/sys/class/net")).toContain(bridge);
  rmSync(other.root, { recursive: true, force: true });
  b.ok(["network", "prune", "-f"]);
  expect(readdirSync("/sys/class/net")).not.toContain(bridge);
});
