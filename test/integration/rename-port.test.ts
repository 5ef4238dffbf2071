// `rename` and `port` through the compiled binary.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { Bunker, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

const nameOf = (ref: string) => b.ok(["inspect", "-f", "{{.Name}}", ref]).trim();

describe("rename", () => {
  test("a stopped container: the new name finds it, the old one is free again", () => {
    const id = b.ok(["create", "--name", "before", "busybox", "true"]).trim();
    expect(b.run(["rename", "before", "after"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expect(nameOf("after")).toBe("/after");
    expect(b.ok(["ps", "-a", "--format", "{{.ID}} {{.Names}}"])).toContain(`${id.slice(0, 12)} after\n`);
    expect(b.run(["inspect", "before"]).exitCode).toBe(1);
    const other = b.ok(["create", "--name", "before", "busybox", "true"]).trim(); // reusable
    b.ok(["rm", id, other]);
  });

  test("a running container, by id", () => {
    const id = b.ok(["run", "-d", "--name", "runner", "busybox", "sleep", "1000"]).trim();
    b.ok(["container", "rename", id.slice(0, 12), "/runner2"]);
    expect(b.ok(["inspect", "-f", "{{.Name}} {{.State.Status}}", id]).trim()).toBe("/runner2 running");
    b.ok(["rm", "-f", "runner2"]);
  });

  test("docker's errors: name in use, same name, bad name, unknown container, empty name, argument count", () => {
    const a = b.ok(["create", "--name", "ren-a", "busybox", "true"]).trim();
    const z = b.ok(["create", "--name", "ren-b", "busybox", "true"]).trim();
    const inUse = b.run(["rename", "ren-a", "ren-b"]);
    expect(inUse.exitCode).toBe(1);
    expect(inUse.stderr).toBe(
      `Error response from daemon: Error when allocating new name: Conflict. The container name "/ren-b" is already in use by container "${z}". You have to remove (or rename) that container to be able to reuse that name.\nError: failed to rename container named ren-a\n`,
    );
    expect(b.run(["rename", "ren-a", "ren-a"]).stderr).toBe("Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named ren-a\n");
    expect(b.run(["rename", "ren-a", "no way"]).stderr).toMatch(/^Error response from daemon: Error when allocating new name: Invalid container name \(\/no way\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed\n/);
    expect(b.run(["rename", "ghost", "x1"]).stderr).toBe("Error response from daemon: No such container: ghost\nError: failed to rename container named ghost\n");
    expectOneLineError(b.run(["rename", "ren-a", " "]), 1, /^Error: Neither old nor new names may be empty\n$/);
    expectOneLineError(b.run(["rename", "ren-a"]), 125, /"bunker rename" requires exactly 2 arguments/);
    expect([nameOf(a), nameOf(z)]).toEqual(["/ren-a", "/ren-b"]); // nothing changed
    b.ok(["rm", a, z]);
  });

  test("two renames to one name at once: exactly one wins", async () => {
    const ids = ["race-1", "race-2"].map((n) => b.ok(["create", "--name", n, "busybox", "true"]).trim());
    const results = await Promise.all(["race-1", "race-2"].map((n) => b.runAsync(["rename", n, "prize"])));
    expect(results.map((r) => r.exitCode).sort()).toEqual([0, 1]);
    const winner = results[0].exitCode === 0 ? 0 : 1;
    expect(results[1 - winner].stderr).toContain(`Conflict. The container name "/prize" is already in use by container "${ids[winner]}"`);
    expect(b.ok(["inspect", "-f", "{{.Id}}", "prize"]).trim()).toBe(ids[winner]);
    expect(nameOf(ids[1 - winner])).toBe(`/race-${2 - winner}`); // the loser keeps its name
    b.ok(["rm", ...ids]);
  });
});

test("a name left linked by a rename that crashed midway is free again", () => {
  const id = b.ok(["create", "--name", "survivor", "busybox", "true"]).trim();
  symlinkSync(id, join(b.root, "names", "half-renamed")); // the new name reserved, the record never updated
  const other = b.ok(["create", "--name", "half-renamed", "busybox", "true"]).trim();
  expect(b.ok(["inspect", "-f", "{{.Id}}", "half-renamed"]).trim()).toBe(other);
  expect(nameOf(id)).toBe("/survivor");
  b.ok(["rm", id, other]);
});

describe("port", () => {
  test("without published ports: nothing for all, docker's error for one", () => {
    b.ok(["create", "--name", "portless", "busybox", "true"]);
    expect(b.run(["port", "portless"])).toEqual({ stdout: "", stderr: "", exitCode: 0 });
    expectOneLineError(b.run(["port", "portless", "80"]), 1, /^Error: No public port '80\/tcp' published for portless\n$/);
    expectOneLineError(b.run(["container", "port", "portless", "53/udp"]), 1, /^Error: No public port '53\/udp' published for portless\n$/);
    expectOneLineError(b.run(["port", "portless", "http"]), 1, /invalid port \(http\)/);
    expectOneLineError(b.run(["port", "nope"]), 1, /^Error response from daemon: No such container: nope\n$/);
    b.ok(["rm", "portless"]);
  });
});
