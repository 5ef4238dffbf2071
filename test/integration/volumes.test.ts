import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, busyboxTar, expectOneLineError } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => {
  b.cleanup(); // removes the containers; the volumes go with the root
});

const volumes = () => b.ok(["volume", "ls", "-q"]).split("\n").filter(Boolean);
const inspectOne = (name: string) => JSON.parse(b.ok(["volume", "inspect", name]))[0];

test("data written through -v NAME:/path survives the container and is seen by the next one", () => {
  b.ok(["run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f"]);
  expect(volumes()).toContain("data");
  expect(b.ok(["run", "--rm", "-v", "data:/data:ro", "busybox", "cat", "/data/f"])).toBe("kept\n");
  expect(readFileSync(join(b.root, "volumes", "data", "_data", "f"), "utf8")).toBe("kept\n");
  b.ok(["volume", "rm", "data"]);
});

test("volume create, ls, inspect and rm", () => {
  expect(b.ok(["volume", "create", "--label", "team=a", "v1"])).toBe("v1\n");
  expect(b.ok(["volume", "create", "v1"])).toBe("v1\n"); // existing: no error, as docker
  const anon = b.ok(["volume", "create"]).trim();
  expect(anon).toMatch(/^[a-f0-9]{64}$/);
  expect(b.ok(["volume", "ls"])).toBe(`DRIVER    VOLUME NAME\nlocal     ${anon}\nlocal     v1\n`);
  expect(b.ok(["volume", "ls", "-q", "--filter", "label=team=a"])).toBe("v1\n");
  expect(b.ok(["volume", "ls", "-q", "--filter", "name=v"])).toBe("v1\n");
  const v = JSON.parse(b.ok(["volume", "inspect", "v1"]));
  expect(v).toEqual([
    { CreatedAt: expect.any(String), Driver: "local", Labels: { team: "a" }, Mountpoint: join(b.root, "volumes", "v1", "_data"), Name: "v1", Options: null, Scope: "local" },
  ]);
  expect(b.ok(["volume", "inspect", "v1"])).toContain('\n    {\n        "CreatedAt"'); // 4-space indent
  expectOneLineError(b.run(["volume", "inspect", "nope"]), 1, /^Error: No such volume: nope\n$/);
  expect(b.ok(["volume", "rm", "v1", anon])).toBe(`v1\n${anon}\n`);
  expect(volumes()).toEqual([]);
  expect(b.run(["volume", "rm", "nope"]).exitCode).toBe(1);
  expect(b.ok(["volume", "rm", "-f", "nope"])).toBe("nope\n");
});

test("rm refuses a volume a container uses; dangling lists the unused ones", () => {
  const id = b.ok(["create", "-v", "busy:/x", "busybox", "true"]).trim();
  b.ok(["volume", "create", "idle"]);
  expectOneLineError(b.run(["volume", "rm", "busy"]), 1, new RegExp(`volume is in use - \\[${id}\\]`));
  expect(b.ok(["volume", "ls", "-q", "--filter", "dangling=true"])).toBe("idle\n");
  b.ok(["rm", "-v", id]); // -v takes anonymous volumes only: a named one stays
  expect(volumes()).toEqual(["busy", "idle"]);
  b.ok(["volume", "rm", "busy", "idle"]);
});

test("-v /path makes an anonymous volume: rm keeps it, rm -v and run --rm remove it", () => {
  const kept = b.ok(["create", "-v", "/anon", "busybox", "true"]).trim();
  const [name] = volumes();
  expect(inspectOne(name).Labels).toEqual({ "com.docker.volume.anonymous": "" });
  const mounts = JSON.parse(b.ok(["inspect", kept]))[0].Mounts;
  expect(mounts).toEqual([
    { Type: "volume", Name: name, Source: join(b.root, "volumes", name, "_data"), Destination: "/anon", Driver: "local", Mode: "", RW: true, Propagation: "" },
  ]);
  b.ok(["rm", kept]);
  expect(volumes()).toEqual([name]);

  const removed = b.ok(["create", "-v", "/anon", "busybox", "true"]).trim();
  expect(volumes().length).toBe(2);
  b.ok(["rm", "-v", removed]);
  expect(volumes()).toEqual([name]);

  expect(b.ok(["run", "--rm", "-v", "/anon", "busybox", "sh", "-c", "grep -c ' /anon ' /proc/mounts"])).toBe("1\n");
  expect(volumes()).toEqual([name]);
  b.ok(["volume", "rm", name]);
});

test("an image's VOLUME gets an anonymous volume, filled from the image", () => {
  b.ok(["import", "--change", "VOLUME /etc", busyboxTar(), "volimage"]);
  const id = b.ok(["create", "volimage", "sh", "-c", "grep -c ' /etc ' /proc/mounts; grep -c '^root:' /etc/passwd"]).trim();
  const [m] = JSON.parse(b.ok(["inspect", id]))[0].Mounts;
  expect(m).toMatchObject({ Type: "volume", Destination: "/etc", Driver: "local" });
  expect(b.ok(["start", "-a", id])).toBe("1\n1\n");
  expect(inspectOne(m.Name).Labels).toEqual({ "com.docker.volume.anonymous": "" });
  b.ok(["rm", "-v", id]);
  expect(volumes()).toEqual([]);
});

test("an empty named volume over an image directory starts with its content, owners and modes", () => {
  const image = b.ok(["run", "--rm", "busybox", "sh", "-c", "cat /etc/passwd; stat -c '%u:%g %a' /etc /etc/passwd"]);
  expect(b.ok(["run", "--rm", "-v", "etcvol:/etc", "busybox", "sh", "-c", "cat /etc/passwd; stat -c '%u:%g %a' /etc /etc/passwd"])).toBe(image);
  // Only an empty volume is filled: what the volume holds now wins over the image.
  b.ok(["run", "--rm", "-v", "etcvol:/etc", "busybox", "sh", "-c", "echo mine > /etc/passwd"]);
  expect(b.ok(["run", "--rm", "-v", "etcvol:/etc", "busybox", "cat", "/etc/passwd"])).toBe("mine\n");
  // A volume over a path the image lacks stays empty; nocopy skips the copy.
  expect(b.ok(["run", "--rm", "-v", "other:/nothing-here", "-v", "empty:/etc:nocopy", "busybox", "ls", "-A", "/nothing-here", "/etc"])).toBe("/etc:\n\n/nothing-here:\n");
  b.ok(["volume", "rm", "etcvol", "other", "empty"]);
});

test("volume prune removes unused anonymous volumes; -a every unused one", () => {
  b.ok(["volume", "create", "named"]);
  b.ok(["create", "-v", "/a", "busybox", "true"]);
  const used = b.ok(["create", "-v", "/b", "busybox", "true"]).trim();
  const anon = volumes().filter((n) => n !== "named");
  b.ok(["rm", b.containerIds().find((i) => i !== used)!]);
  const usedVolume = JSON.parse(b.ok(["inspect", used]))[0].Mounts[0].Name;
  const freed = anon.find((n) => n !== usedVolume)!;
  expect(b.ok(["volume", "prune", "-f"])).toBe(`Deleted Volumes:\n${freed}\n\nTotal reclaimed space: 0B\n`);
  expect(b.ok(["volume", "prune", "-f", "-a"])).toBe("Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n");
  expect(volumes()).toEqual([usedVolume]);
  b.ok(["rm", "-v", used]);
  expect(volumes()).toEqual([]);
  expect(existsSync(join(b.root, "volumes", usedVolume))).toBe(false);
});
