import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
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
  expect(b.ok(["volume", "ls", "-q", "--filter", "dangling=false", "--filter", "driver=local"])).toBe("busy\n");
  expect(b.ok(["volume", "ls", "-q", "--filter", "driver=nfs"])).toBe("");
  expectOneLineError(b.run(["volume", "ls", "--filter", "colour=red"]), 1, /invalid filter 'colour'/);
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
  // A volume over a path the image lacks stays empty; nocopy skips the copy (the /etc files are mounted on top, as in docker).
  expect(b.ok(["run", "--rm", "-v", "other:/nothing-here", "-v", "empty:/etc:nocopy", "busybox", "ls", "-A", "/nothing-here", "/etc"])).toBe("/etc:\nhostname\nhosts\nresolv.conf\n\n/nothing-here:\n");
  b.ok(["volume", "rm", "etcvol", "other", "empty"]);
});

test("mounts are made parents first: /etc files over a volume at /etc, a volume inside a tmpfs", () => {
  expect(b.ok(["run", "--rm", "-h", "myhost", "-v", "etc2:/etc", "busybox", "sh", "-c", "cat /etc/hostname; grep -c localhost /etc/hosts; grep -c ' /etc/resolv.conf ' /proc/mounts"])).toBe("myhost\n2\n1\n");
  b.ok(["run", "--rm", "--tmpfs", "/data", "--mount", "src=inner,dst=/data/x", "busybox", "sh", "-c", "echo kept > /data/x/f"]);
  expect(readFileSync(join(b.root, "volumes", "inner", "_data", "f"), "utf8")).toBe("kept\n");
  b.ok(["volume", "rm", "etc2", "inner"]);
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

test("--mount: volumes, binds and tmpfs with docker's option names; readonly refuses writes", () => {
  const host = mkdtempSync("/var/tmp/bunker-mount-");
  try {
    writeFileSync(join(host, "f"), "from host\n");
    b.ok(["run", "--rm", "--mount", "type=volume,source=mvol,target=/data,volume-label=team=a", "busybox", "sh", "-c", "echo kept > /data/f"]);
    expect(inspectOne("mvol").Labels).toEqual({ team: "a" });
    const script = "cat /data/f /h/f; touch /data/x 2>/dev/null || echo data ro; touch /h/x 2>/dev/null || echo h ro; echo t > /t/f; grep ' /t ' /proc/mounts | cut -d' ' -f3,4";
    expect(b.ok(["run", "--rm", "--mount", "src=mvol,dst=/data,readonly", "--mount", `type=bind,source=${host},destination=/h,ro`, "--mount", "type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770", "busybox", "sh", "-c", script])).toBe(
      "kept\nfrom host\ndata ro\nh ro\ntmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770\n",
    );
    // bind-propagation applies to the bind (seen from inside: a peer group); volume-nocopy leaves a volume empty.
    expect(b.ok(["run", "--rm", "--mount", `type=bind,src=${host},dst=/p,bind-propagation=rshared`, "busybox", "sh", "-c", "grep ' /p ' /proc/self/mountinfo | grep -c ' shared:'"])).toBe("1\n");
    expect(b.ok(["run", "--rm", "-v", `${host}:/p:ro,rshared,z`, "busybox", "sh", "-c", "grep ' /p ' /proc/self/mountinfo | grep -c ' ro,.* shared:'"])).toBe("1\n"); // -v's propagation mode
    expect(b.ok(["run", "--rm", "--mount", "src=nocopy,dst=/etc,volume-nocopy", "busybox", "ls", "-A", "/etc"])).toBe("hostname\nhosts\nresolv.conf\n");
    b.ok(["volume", "rm", "nocopy"]);
    // A tmpfs is empty in every new container.
    expect(b.ok(["run", "--rm", "--mount", "type=tmpfs,target=/t", "busybox", "ls", "-A", "/t"])).toBe("");
    const id = b.ok(["create", "--mount", `type=bind,src=${host},dst=/h`, "--mount", "type=tmpfs,dst=/t", "busybox", "true"]).trim();
    const [c] = JSON.parse(b.ok(["inspect", id]));
    expect(c.Mounts).toEqual([{ Type: "bind", Source: host, Destination: "/h", Mode: "", RW: true, Propagation: "rprivate" }]);
    expect(c.HostConfig.Mounts).toEqual([
      { Type: "bind", Source: host, Target: "/h" },
      { Type: "tmpfs", Target: "/t" },
    ]);
    b.ok(["rm", id]);
    b.ok(["volume", "rm", "mvol"]);
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test("a missing bind source: -v creates the directory, --mount refuses", () => {
  const parent = mkdtempSync("/var/tmp/bunker-mount-");
  try {
    const missing = join(parent, "made");
    expectOneLineError(b.run(["run", "--rm", "--mount", `type=bind,source=${missing},target=/m`, "busybox", "true"]), 125, /bind source path does not exist: .*made\n$/);
    expect(existsSync(missing)).toBe(false);
    b.ok(["run", "--rm", "-v", `${missing}:/m`, "busybox", "true"]);
    expect(statSync(missing).isDirectory()).toBe(true);
    expectOneLineError(b.run(["run", "--rm", "--mount", "type=bind,target=/m", "busybox", "true"]), 125, /field Source must not be empty/);
    expectOneLineError(b.run(["run", "--rm", "--mount", "type=volume,target=/m,bogus=1", "busybox", "true"]), 125, /unexpected key 'bogus'/);
    expectOneLineError(b.run(["run", "--rm", "-v", "/m", "--mount", "type=tmpfs,target=/m", "busybox", "true"]), 125, /Duplicate mount point: \/m/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test("--volumes-from takes another container's volumes and binds, :ro makes them read-only", () => {
  const host = mkdtempSync("/var/tmp/bunker-mount-");
  try {
    const src = b.ok(["create", "--name", "vsrc", "-v", "/anon", "-v", "shared:/shared", "-v", `${host}:/h`, "busybox", "true"]).trim();
    b.ok(["run", "--rm", "--volumes-from", "vsrc", "busybox", "sh", "-c", "echo a > /anon/f; echo s > /shared/f; echo h > /h/f"]);
    expect(b.ok(["run", "--rm", "--volumes-from", "vsrc:ro", "busybox", "sh", "-c", "cat /anon/f /shared/f /h/f; touch /shared/x 2>/dev/null || echo ro"])).toBe("a\ns\nh\nro\n");
    // The borrower's own mount at the same path wins.
    expect(b.ok(["run", "--rm", "--volumes-from", "vsrc", "-v", "other:/shared", "busybox", "ls", "-A", "/shared"])).toBe("");
    expectOneLineError(b.run(["run", "--rm", "--volumes-from", "nosuch", "busybox", "true"]), 125, /No such container: nosuch/);
    // The anonymous volume belongs to vsrc: a borrower's run --rm left it, vsrc's rm -v takes it.
    expect(volumes().length).toBe(3);
    b.ok(["rm", "-v", src]);
    expect(volumes()).toEqual(["other", "shared"]);
    b.ok(["volume", "rm", "other", "shared"]);
  } finally {
    rmSync(host, { recursive: true, force: true });
  }
});

test("an image's VOLUME through a symlink to a host path stays inside the rootfs (CVE-2022-23648)", () => {
  const host = mkdtempSync("/var/tmp/bunker-cve-");
  const rootfs = mkdtempSync("/var/tmp/bunker-cve-rootfs-");
  try {
    writeFileSync(join(host, "secret"), "host secret\n");
    const tar = join(rootfs, "..", `${rootfs.split("/").pop()}.tar`);
    expect(Bun.spawnSync(["tar", "-xf", busyboxTar(), "-C", rootfs]).exitCode).toBe(0);
    symlinkSync(host, join(rootfs, "data")); // absolute: resolved on the host it would be HOST
    symlinkSync(`../../../../../../..${host}-rel`, join(rootfs, "rel")); // relative, climbing past the root
    expect(Bun.spawnSync(["tar", "-cf", tar, "-C", rootfs, "."]).exitCode).toBe(0);
    b.ok(["import", "--change", "VOLUME /data", tar, "cveimage"]);
    rmSync(tar);
    // The mount point resolves inside the rootfs: the link's target is made there (as docker does), and
    // the volume is mounted on it; nothing of the host is seen, copied or written.
    for (const flags of [[], ["-v", "cvevol:/data"], ["--mount", "src=cvevol2,dst=/data"]]) {
      expect(b.ok(["run", "--rm", ...flags, "cveimage", "sh", "-c", `ls -A /data; echo mine > /data/new; ls -A ${host}`])).toBe("new\n");
      expect(readdirSync(host)).toEqual(["secret"]);
    }
    b.ok(["run", "--rm", "-v", "cvevol3:/rel", "cveimage", "sh", "-c", "echo mine > /rel/new"]);
    expect(readdirSync(host)).toEqual(["secret"]);
    expect(existsSync(`${host}-rel`)).toBe(false);
    expect(b.ok(["volume", "ls", "-q"])).toBe("cvevol\ncvevol2\ncvevol3\n");
    for (const v of ["cvevol", "cvevol2", "cvevol3"]) expect(readdirSync(join(b.root, "volumes", v, "_data"))).toEqual(["new"]);
    b.ok(["volume", "rm", "cvevol", "cvevol2", "cvevol3"]);
    b.ok(["rmi", "cveimage"]);
  } finally {
    rmSync(host, { recursive: true, force: true });
    rmSync(rootfs, { recursive: true, force: true });
  }
});
