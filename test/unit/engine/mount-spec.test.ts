import { expect, test } from "bun:test";
import { absoluteMountSource, mountVolumeSpec, parseMountSpec, tmpfsOptions } from "../../../src/engine/mount-spec.ts";

test("docker's key names and aliases", () => {
  expect(parseMountSpec("type=bind,src=/h/,dst=/c,ro,bind-propagation=rslave")).toEqual({ Type: "bind", Source: "/h/", Target: "/c", ReadOnly: true, BindOptions: { Propagation: "rslave" } });
  expect(parseMountSpec("source=vol,destination=/d,readonly=false,volume-nocopy")).toEqual({ Type: "volume", Source: "vol", Target: "/d", ReadOnly: false, VolumeOptions: { NoCopy: true } });
  expect(parseMountSpec("Type=volume,Target=/d,volume-label=a=b,volume-opt=o=x,volume-driver=local").VolumeOptions).toEqual({ Labels: { a: "b" }, DriverConfig: { Name: "local", Options: { o: "x" } } });
  expect(parseMountSpec("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770")).toEqual({ Type: "tmpfs", Target: "/t", TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 } });
});

test("as -v specs, and tmpfs options", () => {
  expect(mountVolumeSpec(parseMountSpec("type=bind,source=/h/,target=/c/,ro"))).toEqual({ kind: "bind", source: "/h", destination: "/c", mode: "", rw: false, propagation: undefined, mustExist: true });
  expect(mountVolumeSpec(parseMountSpec("target=/d"))).toMatchObject({ kind: "anonymous", destination: "/d", rw: true, nocopy: false });
  expect(mountVolumeSpec(parseMountSpec("src=vol,target=/d,volume-label=k=v"))).toMatchObject({ kind: "volume", name: "vol", labels: { k: "v" } });
  expect(mountVolumeSpec(parseMountSpec("type=tmpfs,target=/t"))).toBeNull();
  expect(tmpfsOptions(parseMountSpec("type=tmpfs,target=/t,tmpfs-size=2k,tmpfs-mode=700,ro"))).toBe("size=2048,mode=700,ro");
});

test("bad specs are one-line errors", () => {
  const bad: [string, RegExp][] = [
    ["type=nfs,target=/x", /invalid mount type 'nfs'/],
    ["type=bind,source=/h", /target is required/],
    ["type=bind,target=/x", /field Source must not be empty/],
    ["type=bind,source=rel,target=/x", /mount path must be absolute/],
    ["type=tmpfs,source=/h,target=/x", /field Source must not be specified/],
    ["type=bind,source=/h,target=/x,volume-nocopy", /field VolumeOptions must not be specified/],
    ["type=volume,target=/x,bind-propagation=shared", /field BindOptions must not be specified/],
    ["target=/x,bogus=1", /unexpected key 'bogus'/],
    ["target", /must be a key=value pair/],
    ["target=/x,ro=maybe", /invalid value for ro/],
    ["type=tmpfs,target=/x,tmpfs-mode=rwx", /tmpfs-mode/],
    ["target=/x,volume-driver=nfs", /plugin "nfs" not found/],
  ];
  for (const [spec, why] of bad) expect(() => parseMountSpec(spec), spec).toThrow(why);
});

test("the client makes a source starting with . absolute under the working directory (docker 23+); others stay", () => {
  expect(absoluteMountSource("type=bind,src=.,dst=/s", "/w/d")).toBe("type=bind,src=/w/d,dst=/s");
  expect(absoluteMountSource("type=bind,Source=../x/,target=/t,ro", "/w/d")).toBe("type=bind,Source=/w/x,target=/t,ro");
  expect(absoluteMountSource("type=bind,source=rel,target=/t", "/w/d")).toBe("type=bind,source=rel,target=/t");
  expect(absoluteMountSource("type=volume,src=vol,dst=/v", "/w/d")).toBe("type=volume,src=vol,dst=/v");
});
