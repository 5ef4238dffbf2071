// --uidmap/--gidmap: a private user namespace whose root is an unprivileged
// host id, with the image's files still owned by root inside (idmapped
// layers) and writes landing as the mapped id on the host.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const MAP = ["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"];
const DOCKER_CAPS = "00000000a80425fb";

test("container root is root inside, HOST_ID outside, and can write to /", () => {
  const out = b.ok(["run", "--rm", ...MAP, "busybox", "sh", "-c", "id -u; cat /proc/self/uid_map; touch /newfile && echo ok"]);
  const [uid, map, ok] = out.trim().split("\n");
  expect(uid).toBe("0");
  expect(map.trim().split(/\s+/)).toEqual(["0", "100000", "65536"]);
  expect(ok).toBe("ok");
});

test("image files show as root's (idmapped layers); /tmp and /dev work", () => {
  const out = b.ok(["run", "--rm", ...MAP, "busybox", "sh", "-c", "stat -c '%u:%g' /bin/busybox /etc; echo x > /tmp/t && cat /tmp/t; echo y > /dev/null && head -c 3 /dev/zero | wc -c"]);
  expect(out.trim().split("\n")).toEqual(["0:0", "0:0", "x", "3"]);
});

test("without idmapped layers (forced), the container gets chowned copies and still sees root's files", () => {
  const id = b.ok(["create", ...MAP, "busybox", "sh", "-c", "stat -c '%u:%g' /bin/busybox /etc; touch /w && echo ok"]).trim();
  expect(b.ok(["start", "-a", id], { env: { BUNKER_USERNS_CHOWN: "1" } }).trim().split("\n")).toEqual(["0:0", "0:0", "ok"]);
  const copy = statSync(join(b.root, "containers", id, "lower", "1", "bin", "busybox"));
  expect([copy.uid, copy.gid]).toEqual([100000, 100000]);
  b.ok(["rm", id]);
});

test("a file made inside belongs to HOST_ID in the container's upper dir", () => {
  const id = b.ok(["create", ...MAP, "busybox", "sh", "-c", "touch /made-inside && mkdir /d && touch /d/f"]).trim();
  b.ok(["start", "-a", id]);
  const upper = join(b.root, "containers", id, "upper");
  for (const p of ["made-inside", "d", "d/f"]) {
    const st = statSync(join(upper, p));
    expect([st.uid, st.gid]).toEqual([100000, 100000]);
  }
  b.ok(["rm", id]);
});

test("Docker's capabilities, inside the namespace", () => {
  const out = b.ok(["run", "--rm", ...MAP, "busybox", "grep", "^CapEff", "/proc/self/status"]);
  expect(out.trim().split(/\s+/)[1]).toBe(DOCKER_CAPS);
});

test("--userns host is the default: no user namespace", () => {
  const script = "id -u; cat /proc/self/uid_map";
  const plain = b.ok(["run", "--rm", "busybox", "sh", "-c", script]);
  expect(b.ok(["run", "--rm", "--userns", "host", "busybox", "sh", "-c", script])).toBe(plain);
  expect(b.ok(["run", "--rm", "--userns=", "busybox", "sh", "-c", script])).toBe(plain);
  expect(plain.trim().split("\n")[1].trim().split(/\s+/)).toEqual(["0", "0", "4294967295"]);
});

test.each([
  [["--uidmap", "0:100000:0"], /the size must be at least 1/],
  [["--uidmap", "a:b:c"], /use CONTAINER_ID:HOST_ID:SIZE/],
  [["--uidmap", "0:100000:100", "--uidmap", "50:200000:10"], /overlap/],
  [["--uidmap", "0:100000:100", "--uidmap", "100:100050:10"], /overlap/],
  [["--userns", "private"], /invalid --userns "private"/],
])("bad maps and modes exit 125 in one line: %p", (args, pattern) => {
  expectOneLineError(b.run(["run", "--rm", ...args, "busybox", "true"]), 125, pattern);
});
