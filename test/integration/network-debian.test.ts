// Networking seen by a real distribution: outbound NAT to Debian's mirror (the
// one outside host this machine may reach), and glibc's resolver finding
// containers by name on a user network.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Bunker, REPO } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
  const tar = Bun.spawnSync(["bash", "-c", `source ${join(REPO, "scripts/lib.sh")} && debian_tar`]);
  if (tar.exitCode !== 0) throw new Error(`debian_tar failed: ${tar.stderr}`);
  b.ok(["import", tar.stdout.toString().trim(), "debian"]);
}, 300_000);
afterAll(() => b.cleanup());

test("a Debian container on the default bridge runs apt-get update through NAT", () => {
  const r = b.run(["run", "--rm", "debian", "apt-get", "-q", "update"]);
  expect(r.stderr).not.toContain("Could not resolve");
  expect(r.stdout).toContain("deb.debian.org");
  expect(r.exitCode).toBe(0);
}, 120_000);

test("getaddrinfo finds containers by name and alias on a user network, and not on the default bridge", () => {
  b.ok(["network", "create", "debnet"]);
  const web = b.ok(["run", "-d", "--name", "web", "--network", "debnet", "--network-alias", "www", "busybox", "sleep", "1000"]).trim();
  const ip = b.ok(["inspect", "-f", "{{.NetworkSettings.Networks.debnet.IPAddress}}", web]).trim();
  const out = b.ok(["run", "--rm", "--network", "debnet", "debian", "sh", "-c", "getent hosts web; getent ahostsv4 www | head -1"]);
  // Answered by the embedded resolver (127.0.0.11), as docker's: the name asked, not /etc/hosts aliases.
  expect(out.split("\n").map((l) => l.split(/\s+/).join(" "))).toEqual([`${ip} web`, `${ip} STREAM www`, ""]);
  expect(b.run(["run", "--rm", "debian", "getent", "hosts", "web"]).exitCode).toBe(2);
  b.ok(["rm", "-f", web]);
  b.ok(["network", "rm", "debnet"]);
});

test("an --internal network reaches nothing outside it; the default bridge does", async () => {
  const [mirror] = await Bun.dns.lookup("deb.debian.org", { family: 4 });
  const probe = `nc -w 3 ${mirror.address} 80 </dev/null && echo reached`;
  expect(b.ok(["run", "--rm", "busybox", "sh", "-c", probe])).toBe("reached\n");
  b.ok(["network", "create", "--internal", "closed"]);
  const r = b.run(["run", "--rm", "--network", "closed", "busybox", "sh", "-c", probe]);
  expect([r.stdout, r.exitCode]).toEqual(["", 1]);
  b.ok(["network", "rm", "closed"]);
});
