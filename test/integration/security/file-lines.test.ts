// Issue 15 item 8: a value bound for a line of /etc/hosts, /etc/hostname or
// resolv.conf must not carry a line break, or it writes lines of its own
// (a host entry pointing a name at the attacker, a nameserver).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, expectOneLineError } from "../harness.ts";

let b: Bunker;
let scratch: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-lines-");
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const INJECTED = "6.6.6.6 injected.example";

describe("a line break in a flag that becomes a file line is refused, as docker refuses it", () => {
  const cases: [string, string[]][] = [
    ["--add-host", ["--add-host", `a\n${INJECTED}:1.2.3.4`]],
    ["--add-host", ["--add-host", `a:1.2.3.4\n${INJECTED}`]],
    ["--dns-search", ["--dns-search", `example.com\nnameserver 6.6.6.6`]],
    ["--dns-option", ["--dns-option", `ndots:1\nnameserver 6.6.6.6`]],
    ["--hostname", ["--hostname", `box\n${INJECTED}`]],
    ["--domainname", ["--domainname", `example.com\n${INJECTED}`]],
  ];
  for (const [flag, args] of cases) {
    test(`${flag} ${JSON.stringify(args[1])}`, () => {
      const r = b.run(["run", "--rm", ...args, "busybox", "cat", "/etc/hosts", "/etc/resolv.conf"]);
      expectOneLineError(r, 125, /invalid/);
      expect(r.stdout).not.toContain("6.6.6.6");
    });
  }

  test("--network-alias on a user network", () => {
    b.ok(["network", "create", "linesnet"]);
    try {
      const r = b.run(["run", "--rm", "--network", "linesnet", "--network-alias", `db\n${INJECTED}`, "busybox", "true"]);
      expectOneLineError(r, 125, /--network-alias/);
    } finally {
      b.ok(["network", "rm", "linesnet"]);
    }
  });

  test("compose extra_hosts and hostname come through the same check", () => {
    const dir = join(scratch, "compose");
    mkdirSync(dir);
    writeFileSync(join(dir, "compose.yaml"), `services:\n  app:\n    image: busybox\n    command: ["cat", "/etc/hosts"]\n    hostname: "box\\n${INJECTED}"\n    extra_hosts: ["a\\n${INJECTED}:1.2.3.4"]\n`);
    const compose = ["compose", "--project-directory", dir, "-f", join(dir, "compose.yaml")];
    const r = b.run([...compose, "up"]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toContain("6.6.6.6");
    expect(r.stderr).toMatch(/invalid (hostname|argument)/);
    b.run([...compose, "down"]);
  });

  test("valid values still work", () => {
    const out = b.ok(["run", "--rm", "--add-host", "db:10.1.2.3", "--dns-search", "corp.example", "--dns-option", "ndots:2", "-h", "box", "busybox", "cat", "/etc/hosts", "/etc/resolv.conf"]);
    expect(out).toContain("10.1.2.3\tdb");
    expect(out).toContain("search corp.example");
    expect(out).toContain("options ndots:2");
  });
});
