// save, load, history, image prune and the images filters, through the compiled
// binary; podman is the independent reader and writer of both archive layouts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tarStream from "tar-stream";
import { gzip, imageFromLayers, makeIndex, makeTar, makeTestImage, manifestDigest, sha256, type TarEntry, type TestImage } from "../fixtures/test-image.ts";
import { BUNKER, Bunker, busyboxTar, expectOneLineError } from "./harness.ts";

const havePodman = !!Bun.which("podman");
const PODMAN_RUN = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096", "--runtime", "runc"];

let b: Bunker;
let busybox: string; // the busybox rootfs tarball
let work: string; // archives made by the tests

beforeAll(() => {
  b = Bunker.withBusybox();
  busybox = busyboxTar();
  work = mkdtempSync("/var/tmp/bunker-save-load-");
});
afterAll(() => {
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Every member of a tar file: name -> contents (or "-> target" for a link). */
async function readTar(path: string): Promise<Map<string, Buffer>> {
  const members = new Map<string, Buffer>();
  const extract = tarStream.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      members.set(entry.header.name, entry.header.linkname ? Buffer.from(`-> ${entry.header.linkname}`) : Buffer.concat(chunks));
    }
  })();
  extract.end(readFileSync(path));
  await done;
  return members;
}

const jsonOf = (members: Map<string, Buffer>, name: string) => JSON.parse(members.get(name)?.toString() ?? "null");
const inspect = (ref: string) => JSON.parse(b.ok(["image", "inspect", ref]))[0];
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const hex = (digest: string) => digest.slice("sha256:".length);

/** What a failed load must leave as it was: images, layers, blobs, and nothing in tmp. */
const storeState = () => ({
  images: b.ok(["images", "-a", "--no-trunc", "-q"]),
  layers: list(join(b.root, "image", "layers")),
  blobs: list(join(b.root, "image", "blobs", "sha256")),
  tmp: list(join(b.root, "image", "tmp")),
});

async function writeArchive(name: string, entries: TarEntry[]): Promise<string> {
  const path = join(work, name);
  writeFileSync(path, await makeTar(entries));
  return path;
}

/** An image config for these layers, as docker writes one. */
function imageConfig(layerTars: Uint8Array[], extra: Record<string, unknown> = {}): Buffer {
  const diffIds = layerTars.map((t) => sha256(t));
  return Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", created: "2024-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: diffIds }, ...extra }));
}

/** A docker-archive: layers as <hex>.tar, uncompressed, as podman writes them. */
function dockerEntries(config: Uint8Array, layerTars: Uint8Array[], repoTags: string[]): TarEntry[] {
  const layerName = (t: Uint8Array) => `${hex(sha256(t))}.tar`;
  return [
    ...layerTars.map((t) => ({ name: layerName(t), content: t })),
    { name: "config.json", content: config },
    { name: "manifest.json", content: JSON.stringify([{ Config: "config.json", RepoTags: repoTags, Layers: layerTars.map(layerName) }]) },
  ];
}

/** An OCI layout archive whose index.json lists `image` (a manifest or an index) with these annotations. */
function ociEntries(image: TestImage, annotations: Record<string, string>): TarEntry[] {
  const index = { schemaVersion: 2, manifests: [{ mediaType: image.manifestMediaType, digest: manifestDigest(image), size: image.manifest.length, annotations }] };
  return [
    { name: "oci-layout", content: JSON.stringify({ imageLayoutVersion: "1.0.0" }) },
    { name: "index.json", content: JSON.stringify(index) },
    { name: `blobs/sha256/${hex(manifestDigest(image))}`, content: image.manifest },
    ...[...image.blobs].map(([d, bytes]) => ({ name: `blobs/sha256/${hex(d)}`, content: bytes })),
  ];
}

describe("save and load, docker-archive", () => {
  let id: string;
  let archive: string;

  test("save -o writes docker's classic layout: manifest.json, repositories, config, one layer.tar per layer", async () => {
    id = inspect("busybox").Id;
    const diffId = inspect("busybox").RootFS.Layers[0];
    archive = join(work, "busybox.tar");
    expect(b.ok(["save", "-o", archive, "busybox"])).toBe("");
    const members = await readTar(archive);
    expect([...members.keys()].sort()).toEqual([`${hex(diffId)}/layer.tar`, `${hex(id)}.json`, "manifest.json", "repositories"].sort());
    expect(jsonOf(members, "manifest.json")).toEqual([{ Config: `${hex(id)}.json`, RepoTags: ["busybox:latest"], Layers: [`${hex(diffId)}/layer.tar`] }]);
    expect(jsonOf(members, "repositories")).toEqual({ busybox: { latest: hex(diffId) } });
    // The stored gzip blob was decompressed: the layer is the very tar its diff id names.
    expect(sha256(members.get(`${hex(diffId)}/layer.tar`)!)).toBe(diffId);
    expect(list(work).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("rmi, then load -i brings the image back under its id and tag, and it runs", () => {
    b.ok(["rmi", "busybox"]);
    expect(b.run(["image", "inspect", "busybox"]).exitCode).not.toBe(0);
    expect(b.ok(["load", "-i", archive])).toBe("Loaded image: busybox:latest\n");
    expect(inspect("busybox").Id).toBe(id);
    expect(b.ok(["run", "--rm", "busybox", "echo", "ok"])).toBe("ok\n");
    expect(list(join(b.root, "image", "tmp"))).toEqual([]);
  });

  test("save to a pipe and load from stdin", () => {
    b.ok(["tag", "busybox", "piped:v1"]);
    const r = Bun.spawnSync(["bash", "-c", `"$0" --root "$1" save piped:v1 | "$0" --root "$1" load -q`, BUNKER, b.root]);
    expect(r.stderr.toString()).toBe("");
    expect(r.stdout.toString()).toBe("Loaded image: piped:v1\n");
    b.ok(["rmi", "piped:v1"]);
  });

  test("a gzipped archive loads too (docker save | gzip)", () => {
    const path = join(work, "busybox.tar.gz");
    writeFileSync(path, gzip(readFileSync(archive)));
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: busybox:latest\n");
  });

  test("two images in one archive: the shared layer is written once, and both come back", async () => {
    b.ok(["import", "--change", 'CMD ["echo", "second"]', busybox, "second:v2"]);
    const path = join(work, "two.tar");
    b.ok(["save", "-o", path, "busybox", "second:v2"]);
    const members = await readTar(path);
    const manifest = jsonOf(members, "manifest.json");
    expect(manifest.map((m: { RepoTags: string[] }) => m.RepoTags)).toEqual([["busybox:latest"], ["second:v2"]]);
    expect(manifest[0].Layers).toEqual(manifest[1].Layers);
    expect([...members.keys()].filter((n) => n.endsWith("layer.tar"))).toHaveLength(1);

    const ids = [inspect("busybox").Id, inspect("second:v2").Id];
    b.ok(["rmi", "second:v2"]);
    b.ok(["rmi", "busybox"]);
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: busybox:latest\nLoaded image: second:v2\n");
    expect([inspect("busybox").Id, inspect("second:v2").Id]).toEqual(ids);
    expect(b.ok(["run", "--rm", "second:v2"])).toBe("second\n");
    b.ok(["rmi", "second:v2"]);
  });

  test("docker 25+'s layout (layers named blobs/sha256/<hex>, gzipped or not, next to an OCI index) loads by its manifest.json", async () => {
    const extra = await makeTar([{ name: "etc/motd", content: "docker 25\n" }]);
    const image = imageFromLayers([readFileSync(busybox), extra], gzip, { cmd: ["cat", "/etc/motd"] });
    const manifest = JSON.parse(new TextDecoder().decode(image.manifest));
    const blob = (d: string) => `blobs/sha256/${hex(d)}`;
    // The second layer stored uncompressed, as docker writes them: its blob is the tar itself.
    const layers = [manifest.layers[0].digest, sha256(extra)];
    const path = await writeArchive("docker25.tar", [
      ...ociEntries(image, { "io.containerd.image.name": "docker.io/library/docker25:v1" }),
      { name: blob(sha256(extra)), content: extra },
      { name: "manifest.json", content: JSON.stringify([{ Config: blob(manifest.config.digest), RepoTags: ["docker25:v1"], Layers: layers.map(blob) }]) },
    ]);
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: docker25:v1\n");
    expect(b.ok(["run", "--rm", "docker25:v1"])).toBe("docker 25\n");
    b.ok(["rmi", "docker25:v1"]);
  });

  test("save REPOSITORY saves every tag of it; by id, no tag", async () => {
    b.ok(["tag", "busybox", "busybox:other"]);
    const byName = join(work, "repo.tar");
    b.ok(["save", "-o", byName, "busybox"]);
    expect(jsonOf(await readTar(byName), "manifest.json")[0].RepoTags.sort()).toEqual(["busybox:latest", "busybox:other"]);
    b.ok(["rmi", "busybox:other"]);
    const byId = join(work, "id.tar");
    b.ok(["save", "-o", byId, hex(inspect("busybox").Id).slice(0, 12)]);
    expect(jsonOf(await readTar(byId), "manifest.json")[0].RepoTags).toEqual([]);
    expect(b.ok(["load", "-i", byId])).toBe(`Loaded image ID: ${inspect("busybox").Id}\n`);
  });

  test("loading a tag that points at another image says so, as docker does", () => {
    const other = b.ok(["import", "--change", "ENV X=1", busybox, "busybox"]).trim();
    const out = b.ok(["load", "-i", archive]);
    expect(out).toBe(`The image busybox:latest already exists, renaming the old one with ID ${other} to empty string\nLoaded image: busybox:latest\n`);
    b.ok(["rmi", other]);
  });

  test("errors: an unknown image, a missing -o directory, a terminal on stdout or stdin", () => {
    const before = list(work);
    expectOneLineError(b.run(["save", "-o", join(work, "x.tar"), "busybox", "nosuch"]), 1, /^bunker: No such image: nosuch\n$/);
    expect(list(work)).toEqual(before); // no temp file, no half archive
    expectOneLineError(b.run(["save", "-o", "/nonexistent/x.tar", "busybox"]), 1, /invalid output path: directory "\/nonexistent" does not exist/);
    expectOneLineError(b.run(["save", "--format", "zip", "busybox"]), 125, /unsupported format "zip"/);
    expectOneLineError(b.run(["load", "-i", join(work, "nosuch.tar")]), 1, /open .*nosuch.tar: no such file or directory/);
    // `script` gives the command a terminal for stdin and stdout.
    const tty = (args: string) => Bun.spawnSync(["script", "-qec", `${BUNKER} --root ${b.root} ${args}`, "/dev/null"], { stdin: "ignore" });
    const save = tty("save busybox");
    expect(save.exitCode).toBe(1);
    expect(save.stdout.toString()).toContain("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    const load = tty("load");
    expect(load.exitCode).toBe(1);
    expect(load.stdout.toString()).toContain("requested load from stdin, but stdin is empty");
  });
});

describe("save and load, oci-archive", () => {
  test("--format oci-archive writes an OCI layout with the stored layer blobs, and loads back", async () => {
    const image = inspect("busybox");
    const path = join(work, "busybox-oci.tar");
    b.ok(["save", "--format", "oci-archive", "-o", path, "busybox"]);
    const members = await readTar(path);
    expect(jsonOf(members, "oci-layout")).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = jsonOf(members, "index.json");
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations).toEqual({ "io.containerd.image.name": "docker.io/library/busybox:latest", "org.opencontainers.image.ref.name": "latest" });
    const manifest = jsonOf(members, `blobs/sha256/${hex(index.manifests[0].digest)}`);
    expect(manifest.config.digest).toBe(image.Id);
    expect(manifest.layers).toEqual([{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: expect.stringMatching(/^sha256:/), size: expect.any(Number) }]);
    // Every blob is named by its digest.
    for (const [name, bytes] of members) if (name.startsWith("blobs/")) expect(sha256(bytes)).toBe(`sha256:${name.split("/").pop()}`);

    b.ok(["rmi", "busybox"]);
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: busybox:latest\n");
    expect(inspect("busybox").Id).toBe(image.Id);
    expect(b.ok(["run", "--rm", "busybox", "echo", "oci ok"])).toBe("oci ok\n");
  });

  test("an OCI layout with a nested multi-platform index and two layers: the host's image is loaded", async () => {
    const tars = [await makeTar([{ name: "a.txt", content: "layer a\n" }]), await makeTar([{ name: "b.txt", content: "layer b\n" }])];
    const amd64 = imageFromLayers([readFileSync(busybox), ...tars], gzip, { cmd: ["cat", "/a.txt", "/b.txt"] });
    const arm64 = await makeTestImage({ architecture: "arm64", files: { "arm.txt": "arm\n" } });
    const index = makeIndex([
      { image: amd64, platform: { architecture: "amd64", os: "linux" } },
      { image: arm64, platform: { architecture: "arm64", os: "linux" } },
    ]);
    const path = await writeArchive("nested.tar", ociEntries(index, { "org.opencontainers.image.ref.name": "localhost/nested:v1" }));
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: localhost/nested:v1\n");
    expect(inspect("localhost/nested:v1").RootFS.Layers).toHaveLength(3);
    expect(b.ok(["run", "--rm", "localhost/nested:v1"])).toBe("layer a\nlayer b\n");
    b.ok(["rmi", "localhost/nested:v1"]);
  });
});

describe.skipIf(!havePodman)("podman interop", () => {
  const name = `localhost/bunker-save-load-${process.pid}`;
  const podman = (...args: string[]) => {
    const r = Bun.spawnSync(["podman", ...args]);
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode };
  };
  afterAll(() => {
    for (const ref of [`${name}:imported`, `${name}:from-bunker`]) podman("rmi", "-f", ref);
  });

  test("podman loads bunker's docker-archive and oci-archive, and the image runs under podman", () => {
    b.ok(["tag", "busybox", `${name}:from-bunker`]);
    for (const format of ["docker-archive", "oci-archive"]) {
      const path = join(work, `for-podman-${format}.tar`);
      b.ok(["save", "--format", format, "-o", path, `${name}:from-bunker`]);
      const load = podman("load", "-q", "-i", path);
      expect(load.exitCode).toBe(0);
      expect(load.stdout).toContain(`${name}:from-bunker`);
      const run = podman("run", "--rm", ...PODMAN_RUN, `${name}:from-bunker`, "echo", "ok");
      expect({ format, out: run.stdout, err: run.exitCode === 0 ? "" : run.stderr }).toEqual({ format, out: "ok\n", err: "" });
      podman("rmi", "-f", `${name}:from-bunker`);
    }
    b.ok(["rmi", `${name}:from-bunker`]);
  });

  test("podman save --format docker-archive and oci-archive load in bunker and run", () => {
    expect(podman("import", "-q", busybox, `${name}:imported`).exitCode).toBe(0);
    for (const format of ["docker-archive", "oci-archive"]) {
      const path = join(work, `from-podman-${format}.tar`);
      expect(podman("save", "-q", "--format", format, "-o", path, `${name}:imported`).exitCode).toBe(0);
      expect(b.ok(["load", "-i", path])).toBe(`Loaded image: ${name}:imported\n`);
      expect(b.ok(["run", "--rm", `${name}:imported`, "echo", format])).toBe(`${format}\n`);
      b.ok(["rmi", `${name}:imported`]);
    }
  });
});

describe("hostile or broken archives change nothing", () => {
  const tar = (entries: TarEntry[]) => makeTar(entries);
  const withManifest = (entries: TarEntry[]) => tar([...entries, { name: "manifest.json", content: "[]" }]);
  const someConfig = imageConfig([]);

  /** The config names one layer; the archive carries another under that layer's name. */
  const tampered = async () => {
    const real = await makeTar([{ name: "bin/tool", content: "the real tool\n" }]);
    const evil = await makeTar([{ name: "bin/tool", content: "#!/evil\n" }]);
    const config = imageConfig([real]);
    return tar([
      { name: `${hex(sha256(real))}/layer.tar`, content: evil },
      { name: "c.json", content: config },
      { name: "manifest.json", content: JSON.stringify([{ Config: "c.json", RepoTags: ["tampered:latest"], Layers: [`${hex(sha256(real))}/layer.tar`] }]) },
    ]);
  };

  const cases: [string, () => Promise<Uint8Array>, RegExp][] = [
    ["a layer.tar whose content does not match its diff id", tampered, /^bunker: layer 1 of image [0-9a-f]{12} unpacks to sha256:[0-9a-f]{64}, but its config expects sha256:[0-9a-f]{64}; nothing was loaded\n$/],
    ["a ../x entry", () => withManifest([{ name: "../x", content: "escaped\n" }]), /^bunker: invalid archive: entry "\.\.\/x" escapes the archive\n$/],
    ["an absolute entry", () => withManifest([{ name: "/tmp/bunker-absolute", content: "x" }]), /^bunker: invalid archive: entry "\/tmp\/bunker-absolute" has an absolute name\n$/],
    ["a symlink out of the archive", () => withManifest([{ name: "l", type: "symlink", linkname: "../../etc/passwd" }]), /^bunker: invalid archive: entry "l" links outside the archive\n$/],
    ["a symlink to an absolute path", () => withManifest([{ name: "l", type: "symlink", linkname: "/etc/passwd" }]), /^bunker: invalid archive: entry "l" links to an absolute path\n$/],
    [
      "a directory named as a layer",
      () => tar([{ name: "d", type: "directory" }, { name: "c.json", content: imageConfig([new Uint8Array(1024)]) }, { name: "manifest.json", content: JSON.stringify([{ Config: "c.json", Layers: ["d"] }]) }]),
      /^bunker: invalid archive: layer "d" is not in the archive\n$/,
    ],
    ["a rootfs tarball, not an image archive", () => tar([{ name: "bin/sh", content: "x" }]), /^bunker: invalid archive: it has neither manifest\.json .*loaded with import\n$/],
    [
      "a config that is not an image config",
      () => tar([{ name: "c.json", content: '{"rootfs": 1}' }, { name: "manifest.json", content: JSON.stringify([{ Config: "c.json", Layers: [] }]) }]),
      /^bunker: invalid archive: config c\.json: architecture: Required\n$/,
    ],
    [
      "layers that do not match the config's diff_ids in number",
      () => tar([{ name: "c.json", content: someConfig }, { name: "l.tar", content: "x" }, { name: "manifest.json", content: JSON.stringify([{ Config: "c.json", Layers: ["l.tar"] }]) }]),
      /^bunker: invalid archive: config c\.json lists 0 layers, but the image has 1\n$/,
    ],
    [
      "an OCI blob that does not match its digest",
      async () => {
        const image = await makeTestImage();
        const digest = manifestDigest(image);
        return tar(ociEntries(image, {}).map((e) => (e.name === `blobs/sha256/${hex(digest)}` ? { ...e, content: Buffer.concat([image.manifest, Buffer.from(" ")]) } : e)));
      },
      /^bunker: invalid archive: manifest sha256:[0-9a-f]{64} does not match its digest\n$/,
    ],
    ["bytes that are no tar at all", async () => Buffer.from("not an archive at all\n".repeat(40)), /^bunker: invalid archive: /],
  ];

  test.each(cases)("%s: a one-line error, and the store is unchanged", async (name, build, message) => {
    const path = join(work, `bad-${name.replace(/\W+/g, "-")}.tar`);
    writeFileSync(path, await build());
    const before = storeState();
    for (const r of [b.run(["load", "-i", path]), b.run(["load"], { stdin: readFileSync(path) })]) {
      expectOneLineError(r, 125, message);
      expect(r.stdout).toBe("");
      expect(storeState()).toEqual(before);
    }
    expect(existsSync("/tmp/bunker-absolute")).toBe(false);
  });

  test("podman's symlinked layer (<id>/layer.tar -> ../<hex>.tar) is followed inside the archive", async () => {
    const layer = readFileSync(busybox);
    const entries = dockerEntries(imageConfig([layer], { config: { Cmd: ["echo", "via link"] } }), [layer], ["linked:v1"]);
    const manifest = [{ Config: "config.json", RepoTags: ["linked:v1"], Layers: ["v1id/layer.tar"] }];
    const path = await writeArchive("linked.tar", [
      ...entries.filter((e) => e.name !== "manifest.json"),
      { name: "v1id/layer.tar", type: "symlink", linkname: `../${hex(sha256(layer))}.tar` },
      { name: "manifest.json", content: JSON.stringify(manifest) },
    ]);
    expect(b.ok(["load", "-i", path])).toBe("Loaded image: linked:v1\n");
    expect(b.ok(["run", "--rm", "linked:v1"])).toBe("via link\n");
    b.ok(["rmi", "linked:v1"]);
  });
});

describe("history", () => {
  test("one row per history entry, newest first; empty layers are 0B; the id only on the top row", async () => {
    const layer = readFileSync(busybox);
    const created = "2024-01-01T00:00:00Z";
    const add = "/bin/sh -c #(nop) ADD file:0123456789abcdef0123456789abcdef in / ";
    const config = JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created,
      config: { Cmd: ["sh"] },
      rootfs: { type: "layers", diff_ids: [sha256(layer)] },
      history: [
        { created, created_by: add, comment: "base" },
        { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
      ],
    });
    const path = await writeArchive("history.tar", dockerEntries(Buffer.from(config), [layer], ["hist:v1"]));
    b.ok(["load", "-i", path]);
    const id = hex(sha256(config)).slice(0, 12);
    const size = inspect("hist:v1").Size;

    const [header, top, bottom, ...rest] = b.ok(["history", "hist:v1"]).split("\n");
    expect(rest).toEqual([""]);
    expect(header).toMatch(/^IMAGE {10}CREATED {6,}CREATED BY {38}SIZE {6}COMMENT$/);
    expect(top).toMatch(new RegExp(`^${id} {3}\\d+ (years|months) ago {3,}/bin/sh -c #\\(nop\\)  CMD \\["sh"\\] {3,}0B$`));
    // CREATED BY is cut to 45 characters, the last an ellipsis (docker's formatter.Ellipsis).
    expect(bottom).toStartWith(`<missing>      `);
    expect(bottom).toContain(` ago   ${add.slice(0, 44)}…   `);
    expect(bottom).toMatch(/ [\d.]+MB {4,}base$/);

    expect(b.ok(["history", "-q", "hist:v1"])).toBe(`${id}\n<missing>\n`);
    const raw = b.ok(["history", "--no-trunc", "-H=false", "hist:v1"]).split("\n");
    expect(raw[0]).toMatch(/^IMAGE {3,}CREATED AT {3,}CREATED BY/);
    expect(raw[1]).toStartWith(`sha256:${hex(sha256(config))}   2024-01-01T00:00:00`);
    expect(raw[2]).toContain(add);
    expect(raw[2]).toContain(`   ${size}   `);
    expectOneLineError(b.run(["history", "nosuch"]), 125, /No such image: nosuch/);
    b.ok(["rmi", "hist:v1"]);
  });
});

describe("image prune", () => {
  let p: Bunker; // its own root: prune -a removes every unused image
  beforeAll(() => {
    p = Bunker.withBusybox();
  });
  afterAll(() => p.cleanup());

  const uniqueImage = async (name: string, tag?: string) => {
    const path = join(work, `prune-${name}.tar`);
    writeFileSync(path, await makeTar([{ name: "id", content: `${name}\n` }]));
    return p.ok(["import", path, ...(tag ? [tag] : [])]).trim();
  };

  test("without -f it asks; no answer (no stdin) cancels and removes nothing", async () => {
    const dangling = await uniqueImage("asked");
    const r = p.run(["image", "prune"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
    expect(p.run(["image", "inspect", dangling]).exitCode).toBe(0);
    // "y" on stdin agrees, as with docker.
    const yes = p.run(["image", "prune"], { stdin: "y\n" });
    expect(yes.stdout).toStartWith("WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] Deleted Images:\n");
    expect(p.run(["image", "inspect", dangling]).exitCode).not.toBe(0);
  });

  test("-f removes dangling images no container uses, and reports the space", async () => {
    const dangling = await uniqueImage("dangling");
    const used = await uniqueImage("used");
    p.ok(["create", used, "true"]);
    const tagged = await uniqueImage("tagged", "keepme");
    const out = p.ok(["image", "prune", "-f"]);
    expect(out).toMatch(new RegExp(`^Deleted Images:\\ndeleted: ${dangling}\\n\\nTotal reclaimed space: \\d+B\\n$`));
    expect(p.run(["image", "inspect", used]).exitCode).toBe(0);
    expect(p.run(["image", "inspect", tagged]).exitCode).toBe(0);
    // Nothing left to prune.
    expect(p.ok(["image", "prune", "-f"])).toBe("Total reclaimed space: 0B\n");
  });

  test("-a also removes tagged images that no container uses, untagging them first", async () => {
    const tagged = inspectIn(p, "keepme").Id;
    const out = p.ok(["image", "prune", "-a", "-f"]);
    expect(out).toContain("untagged: keepme:latest\n");
    expect(out).toContain(`deleted: ${tagged}\n`);
    expect(out).toContain("untagged: busybox:latest\n");
    expect(out).toMatch(/\n\nTotal reclaimed space: [\d.]+MB\n$/);
    // The image the container uses stays; its layer too.
    expect(p.ok(["images", "-a", "-q"]).trim().split("\n")).toHaveLength(1);
    expect(list(join(p.root, "image", "layers"))).toHaveLength(1);
  });
});

const inspectIn = (x: Bunker, ref: string) => JSON.parse(x.ok(["image", "inspect", ref]))[0];

describe("images --digests and --filter", () => {
  let dangling: string;
  beforeAll(async () => {
    const path = join(work, "filter-layer.tar");
    writeFileSync(path, await makeTar([{ name: "f", content: "filter\n" }]));
    dangling = b.ok(["import", path]).trim();
    b.ok(["tag", "busybox", "localhost:5000/team/tool:v1"]);
    // Only a pull records repo digests, and there is no registry here: write one as pull would.
    const indexPath = join(b.root, "image", "images.json");
    const index = JSON.parse(readFileSync(indexPath, "utf8"));
    index.images[inspect("busybox").Id].repoDigests = [`docker.io/library/busybox@sha256:${"ab".repeat(32)}`];
    writeFileSync(indexPath, JSON.stringify(index));
  });
  afterAll(() => {
    b.ok(["rmi", dangling, "localhost:5000/team/tool:v1"]);
  });

  const repoTags = (out: string) =>
    out
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(/ {3,}/).slice(0, 2).join(":"))
      .sort();

  test("--digests adds a DIGEST column from the repo digests", () => {
    const [header, ...rows] = b.ok(["images", "--digests"]).trim().split("\n");
    expect(header).toMatch(/^REPOSITORY {3,}TAG {3,}DIGEST {3,}IMAGE ID {3,}CREATED {3,}SIZE$/);
    expect(rows.find((r) => r.startsWith("busybox "))).toMatch(new RegExp(`^busybox {3,}latest {3,}sha256:${"ab".repeat(32)} {3}[0-9a-f]{12} `));
    expect(rows.find((r) => r.startsWith("localhost:5000/team/tool "))).toMatch(/ v1 {3,}<none> {3,}[0-9a-f]{12} /);
  });

  test("dangling=true lists only untagged images, dangling=false only tagged ones", () => {
    expect(b.ok(["images", "-q", "--no-trunc", "--filter", "dangling=true"])).toBe(`${dangling}\n`);
    expect(b.ok(["images", "--filter", "dangling=false"])).not.toContain("<none>");
  });

  test("reference= matches docker's way: globs on name:tag or name, * stops at /; -f repeats (any matches)", () => {
    expect(repoTags(b.ok(["images", "--filter", "reference=busybox"]))).toEqual(["busybox:latest"]);
    expect(repoTags(b.ok(["images", "-f", "reference=*:v1"]))).toEqual([]);
    expect(repoTags(b.ok(["images", "-f", "reference=localhost:5000/*/*:v1"]))).toEqual(["localhost:5000/team/tool:v1"]);
    expect(repoTags(b.ok(["images", "-f", "reference=busy*", "-f", "reference=localhost:5000/team/t[a-z]?l"]))).toEqual(["busybox:latest", "localhost:5000/team/tool:v1"]);
    expect(repoTags(b.ok(["images", "-f", "reference=busy*", "-f", "dangling=true"]))).toEqual([]);
  });

  test("a bad filter is a one-line error", () => {
    // As docker's daemon answers them: exit code 1.
    expectOneLineError(b.run(["images", "-f", "colour=red"]), 1, /^Error response from daemon: invalid filter 'colour'\n$/);
    expectOneLineError(b.run(["images", "-f", "dangling=maybe"]), 1, /^Error response from daemon: invalid filter 'dangling=maybe'\n$/);
    expectOneLineError(b.run(["images", "-f", "reference=[z-a"]), 1, /^Error response from daemon: syntax error in pattern\n$/);
  });
});
