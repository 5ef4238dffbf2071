// CVE-2020-8558: bunker sets route_localnet on its bridges (so published ports
// answer on the host's 127.0.0.1), which also lets a container hand-frame
// packets to the host's loopback services through its gateway. The attack is
// played with a static probe (test/fixtures/localnet-probe.c) that sends UDP
// through an AF_PACKET socket, which the default capability NET_RAW allows.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker } from "../harness.ts";

let b: Bunker;
let probeDir: string;
const NET = `localnet-${process.pid}`;

beforeAll(() => {
  b = Bunker.withBusybox();
  probeDir = mkdtempSync("/var/tmp/bunker-localnet-");
  const cc = Bun.spawnSync(["gcc", "-static", "-O2", "-o", join(probeDir, "probe"), join(import.meta.dir, "..", "..", "fixtures", "localnet-probe.c")]);
  if (cc.exitCode !== 0) throw new Error(`gcc failed: ${cc.stderr}`);
  writeFileSync(join(probeDir, "index.html"), "published\n");
  b.ok(["network", "create", NET]);
});
afterAll(() => {
  b.cleanup();
  rmSync(probeDir, { recursive: true, force: true });
});

/** A UDP socket on HOST that records each datagram's text and lets a test wait for one. */
async function listener(host: string) {
  const got: string[] = [];
  const waiters: { word: string; resolve: () => void }[] = [];
  const socket = await Bun.udpSocket({
    hostname: host,
    port: 0,
    socket: {
      data(_s, buf) {
        const word = Buffer.from(buf).toString();
        got.push(word);
        for (const w of waiters.filter((w) => w.word === word)) w.resolve();
      },
    },
  });
  const arrival = (word: string) => (got.includes(word) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ word, resolve })));
  return { socket, got, arrival };
}

test("a container cannot reach the host's 127.0.0.1, nor pass for it, by framing packets to its gateway", async () => {
  const id = b.ok(["run", "-d", "--network", NET, "-v", `${probeDir}:/probe:ro`, "busybox", "sleep", "1000"]).trim();
  const [ip, gateway] = b.ok(["inspect", "-f", `{{with index .NetworkSettings.Networks "${NET}"}}{{.IPAddress}} {{.Gateway}}{{end}}`, id]).trim().split(" ");
  const bridge = b.ok(["network", "inspect", "-f", '{{index .Options "com.docker.network.bridge.name"}}', NET]).trim();
  const mac = readFileSync(`/sys/class/net/${bridge}/address`, "utf8").trim();
  // A service that trusts loopback: it listens on 127.0.0.1 only. And one on the gateway that trusts 127.0.0.0/8 sources.
  const loopback = await listener("127.0.0.1");
  const onGateway = await listener(gateway);
  try {
    b.ok([
      "exec", id, "/probe/probe", mac,
      `${ip}:127.0.0.1:${loopback.socket.port}:to-loopback`,
      `127.0.0.2:${gateway}:${onGateway.socket.port}:from-loopback`,
      `${ip}:${gateway}:${onGateway.socket.port}:control`,
    ]);
    // The control datagram went the same way after the other two, so theirs would be queued by now;
    // one more from the host itself marks the end of the loopback socket's queue.
    await onGateway.arrival("control");
    loopback.socket.send("end", loopback.socket.port, "127.0.0.1");
    await loopback.arrival("end");
    expect(loopback.got).toEqual(["end"]);
    expect(onGateway.got).toEqual(["control"]);
  } finally {
    loopback.socket.close();
    onGateway.socket.close();
    b.ok(["rm", "-f", id]);
  }
});

test("published ports still answer on the host's 127.0.0.1, behind bunker's loopback guard", async () => {
  const id = b.ok(["run", "-d", "--network", NET, "-p", "127.0.0.1::80", "-v", `${probeDir}:/www:ro`, "busybox", "sleep", "1000"]).trim();
  try {
    b.ok(["exec", id, "httpd", "-p", "80", "-h", "/www"]); // returns once it listens
    const port = b.ok(["port", id, "80"]).trim().split(":")[1];
    expect(await (await fetch(`http://127.0.0.1:${port}/index.html`)).text()).toBe("published\n");
    const guard = Bun.spawnSync(["nft", "list", "chain", "ip", "bunker", "localnet"]).stdout.toString();
    expect(guard).toContain("iifname @bridges ip daddr 127.0.0.0/8 drop");
    expect(guard).toContain("iifname @bridges ip saddr 127.0.0.0/8 drop");
  } finally {
    b.ok(["rm", "-f", id]);
  }
});
