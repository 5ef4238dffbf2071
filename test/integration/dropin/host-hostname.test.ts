// issue 20 item 10: --network host keeps the host's hostname (Config.Hostname and `hostname` inside), unless -h is given.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hostname } from "node:os";
import { Bunker } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

test("--network host: the container is named as the host, inside and in its config", () => {
  expect(b.ok(["run", "--rm", "--network", "host", "busybox", "sh", "-c", "hostname; cat /etc/hostname; echo $HOSTNAME"])).toBe(`${hostname()}\n`.repeat(3));
  b.ok(["create", "--name", "hosted", "--network", "host", "busybox", "true"]);
  expect(b.ok(["inspect", "-f", "{{.Config.Hostname}}", "hosted"])).toBe(`${hostname()}\n`);
  b.ok(["rm", "hosted"]);
});

test("-h still names it; other networks keep the short id", () => {
  expect(b.ok(["run", "--rm", "--network", "host", "-h", "chosen", "busybox", "hostname"])).toBe("chosen\n");
  const id = b.ok(["create", "--network", "none", "busybox", "true"]).trim();
  expect(b.ok(["inspect", "-f", "{{.Config.Hostname}}", id])).toBe(`${id.slice(0, 12)}\n`);
  b.ok(["rm", id]);
});
