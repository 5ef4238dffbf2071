import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { Bunker, busyboxTar, expectOneLineError } from "./harness.ts";

type Entry = { header: Partial<tar.Header> & { name: string }; body?: string };

async function makeTar(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) e.body === undefined ? pack.entry(e.header) : pack.entry(e.header, e.body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const file = (name: string, body: string): Entry => ({ header: { name, type: "file", mode: 0o644 }, body });

let b: Bunker;
let busybox: string; // the busybox rootfs tarball
let work: string; // tarballs made by the tests
let victim: string; // must never change

beforeAll(() => {
  b = new Bunker();
  busybox = busyboxTar();
  work = mkdtempSync("/var/tmp/bunker-images-");
  victim = mkdtempSync("/tmp/bunker-victim-");
  writeFileSync(join(victim, "secret"), "do not touch\n");
});
afterAll(() => {
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
  rmSync(victim, { recursive: true, force: true });
});

/** Writes a tarball into `work`; its contents make its layer unique to the test. */
async function tarFile(name: string, data: Buffer | Promise<Buffer>): Promise<string> {
  const path = join(work, name);
  writeFileSync(path, await data);
  return path;
}
const uniqueLayer = (name: string) => tarFile(`${name}.tar`, makeTar([file("id", `${name}\n`)]));

const inspectImage = (ref: string) => JSON.parse(b.ok(["image", "inspect", ref]))[0];
const layerDir = (ref: string) => join(b.root, "image", "layers", inspectImage(ref).RootFS.Layers[0].slice("sha256:".length));
const shortId = (id: string) => id.trim().slice("sha256:".length, "sha256:".length + 12);
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

/** There is no `tag` command yet: adds a name to an image in the index, as `tag` would. */
function addTag(ref: string, name: string): void {
  const indexPath = join(b.root, "image", "images.json");
  const index = JSON.parse(readFileSync(indexPath, "utf8"));
  index.images[inspectImage(ref).Id].names.push(name);
  writeFileSync(indexPath, JSON.stringify(index));
}

describe("import and images", () => {
  let id: string;

  test("import FILE prints the image id, and images prints docker's table", () => {
    id = b.ok(["import", busybox, "busybox"]);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const [header, row, ...rest] = b.ok(["images"]).split("\n");
    expect(rest).toEqual([""]);
    // tabwriter: each column is max(10, widest cell + 3) wide; the last one is not padded.
    expect(header).toMatch(/^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED {3,}SIZE$/);
    expect(row).toMatch(new RegExp(`^busybox {6}latest {4}${shortId(id)} {3}(Less than a second|\\d+ seconds?) ago {3,}[\\d.]+[kM]B$`));
    expect(row.search(/\S+$/)).toBe(header.indexOf("SIZE"));
  });

  test("images -q prints the 12-character id", () => {
    expect(b.ok(["images", "-q"])).toBe(`${shortId(id)}\n`);
  });

  test("import - reads the tarball from stdin", async () => {
    const path = await uniqueLayer("stdin");
    const stdinId = b.ok(["import", "-", "fromstdin:v2"], { stdin: readFileSync(path) });
    expect(stdinId).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(b.ok(["images", "-q", "fromstdin:v2"])).toBe(`${shortId(stdinId)}\n`);
    b.ok(["rmi", "fromstdin:v2"]);
  });

  test("--change sets the image config, and a container runs with it", () => {
    const changes = ['CMD ["sh"]', "ENV A=1", "WORKDIR /tmp", "USER nobody", "EXPOSE 80", "LABEL k=v"];
    b.ok(["import", ...changes.flatMap((c) => ["--change", c]), busybox, "changed"]);
    expect(inspectImage("changed").Config).toEqual({
      Cmd: ["sh"],
      Env: ["A=1"],
      WorkingDir: "/tmp",
      User: "nobody",
      ExposedPorts: { "80/tcp": {} },
      Labels: { k: "v" },
      Entrypoint: null,
      OnBuild: null,
    });
    // No command given: the image's CMD (sh) reads the script from stdin.
    expect(b.ok(["run", "--rm", "-i", "changed"], { stdin: 'echo "$A $(pwd) $(id -un)"\n' })).toBe("1 /tmp nobody\n");
    b.ok(["rmi", "changed"]);
  });

  test("an unknown --change instruction is a one-line error", () => {
    const r = b.run(["import", "--change", "FROB x", busybox, "frob"]);
    expectOneLineError(r, 125, /^bunker: invalid --change "FROB x": FROB is not supported .*\n$/);
    expect(b.run(["image", "inspect", "frob"]).exitCode).toBe(1);
  });
});

describe("inspect", () => {
  test("image inspect has docker's shape", () => {
    const image = inspectImage("busybox");
    expect(image.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.RepoTags).toEqual(["busybox:latest"]);
    expect(Number.isNaN(Date.parse(image.Created))).toBe(false);
    expect(image).toMatchObject({ Architecture: "amd64", Os: "linux", RootFS: { Type: "layers" } });
    expect(image.Size).toBeGreaterThan(0);
    expect(image.RootFS.Layers).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
  });

  test("inspect falls through to an image; an unknown name is an error", () => {
    expect(JSON.parse(b.ok(["inspect", "busybox"]))[0].Id).toBe(inspectImage("busybox").Id);
    const r = b.run(["inspect", "nosuch"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("Error: No such object: nosuch\n");
  });
});

describe("rmi", () => {
  test("with two tags, rmi untags one and the image stays", async () => {
    b.ok(["import", await uniqueLayer("twotags"), "tag1"]);
    addTag("tag1", "docker.io/library/tag2:latest");
    expect(b.ok(["rmi", "tag2"])).toBe("Untagged: tag2:latest\n");
    expect(inspectImage("tag1").RepoTags).toEqual(["tag1:latest"]);
    expect(existsSync(layerDir("tag1"))).toBe(true);
    b.ok(["rmi", "tag1"]);
  });

  test("removing the last tag deletes the image and its layer", async () => {
    const id = b.ok(["import", await uniqueLayer("solo"), "solo"]).trim();
    const layer = layerDir("solo");
    expect(existsSync(layer)).toBe(true);
    expect(b.ok(["rmi", "solo"])).toBe(`Untagged: solo:latest\nDeleted: ${id}\n`);
    expect(existsSync(layer)).toBe(false);
    expect(b.run(["image", "inspect", id]).exitCode).toBe(1);
  });

  test("rmi refuses while a container, even an exited one, uses the image; -f only untags", () => {
    const id = b.ok(["import", busybox, "used"]).trim();
    b.ok(["run", "--name", "user-of-used", "used", "true"]);
    const r = b.run(["rmi", "used"]);
    expectOneLineError(r, 1, /^Error response from daemon: conflict: .*container [0-9a-f]{12} is using .*\n$/);
    expect(r.stdout).toBe("");
    expect(b.ok(["rmi", "-f", "used"])).toBe("Untagged: used:latest\n");
    expect(inspectImage(id).RepoTags).toEqual([]);
    b.ok(["rm", "user-of-used"]);
    expect(b.ok(["rmi", id])).toBe(`Deleted: ${id}\n`);
  });

  test("rmi of an unknown image fails", () => {
    expectOneLineError(b.run(["rmi", "nosuch"]), 1, /^Error response from daemon: No such image: nosuch/);
  });
});

describe("references", () => {
  test("an uppercase name is an invalid reference, refused before the store is touched", () => {
    const before = list(join(b.root, "image", "layers"));
    expectOneLineError(b.run(["import", busybox, "Upper"]), 125, /^bunker: invalid reference format: .*\n$/);
    expect(list(join(b.root, "image", "layers"))).toEqual(before);
  });

  test("a registry with a port, a namespace and a tag is listed as docker does", async () => {
    b.ok(["import", await uniqueLayer("registry"), "localhost:5000/ns/img:v1"]);
    for (const filter of ["localhost:5000/ns/img", "localhost:5000/ns/img:v1"]) {
      expect(b.ok(["images", filter]).split("\n")[1]).toMatch(/^localhost:5000\/ns\/img {3}v1 {8}[0-9a-f]{12} /);
    }
    expect(b.ok(["rmi", "localhost:5000/ns/img:v1"])).toStartWith("Untagged: localhost:5000/ns/img:v1\n");
  });
});

describe("hostile or broken tarballs change nothing", () => {
  /** Names, types, modes, link counts and contents of every file under `root`. */
  function snapshot(root: string): string[] {
    return readdirSync(root, { recursive: true })
      .map(String)
      .sort()
      .map((rel) => {
        const p = join(root, rel);
        const st = lstatSync(p);
        const what = st.isFile() ? readFileSync(p, "hex") : st.isSymbolicLink() ? readlinkSync(p) : "";
        return `${rel} ${st.mode.toString(8)} ${st.nlink} ${what}`;
      });
  }
  /** The image list without the CREATED column (it ages), and the store's layer and tmp dirs. */
  const storeState = () => ({
    images: b.ok(["images"]).split("\n").map((l) => l.split(/ {3,}/).toSpliced(3, 1).join("|")),
    layers: list(join(b.root, "image", "layers")),
    tmp: list(join(b.root, "image", "tmp")),
  });

  const gzip = async (entries: Entry[]) => gzipSync(await makeTar(entries));
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ["garbage bytes", async () => Buffer.from("not a tarball at all\n".repeat(50)), /invalid layer archive: invalid tar header/],
    ["a truncated gzip", async () => (await gzip([file("f", "x".repeat(5000))])).subarray(0, 40), /invalid layer archive: unexpected end/],
    ["a ../evil entry", () => makeTar([file("ok", "x"), file("../evil", "evil")]), /layer entry "\.\.\/evil" escapes the layer directory/],
    [
      "a symlink out of the layer, then a file through it",
      () => makeTar([{ header: { name: "a", type: "symlink", linkname: victim } }, file("a/pwned", "pwned")]),
      /layer entry "a\/pwned" passes through a symlink/,
    ],
    ["a hardlink to /etc/passwd", () => makeTar([{ header: { name: "passwd", type: "link", linkname: "/etc/passwd" } }]), /layer entry "passwd" links to "\/etc\/passwd", which is not a file in the layer/],
    ["a hardlink to ../../etc/passwd", () => makeTar([{ header: { name: "passwd", type: "link", linkname: "../../etc/passwd" } }]), /layer entry "passwd" links to "\.\.\/\.\.\/etc\/passwd", outside the layer directory/],
    ["a hardlink to the victim's file", () => makeTar([{ header: { name: "s", type: "link", linkname: join(victim, "secret") } }]), /layer entry "s" links to ".*\/secret", which is not a file in the layer/],
  ];

  test.each(cases)("%s: a one-line error, and the store and the victim are unchanged", async (name, build, message) => {
    const path = await tarFile(`bad-${name.replace(/\W+/g, "-")}.tar`, build());
    const [store, files] = [storeState(), snapshot(victim)];
    for (const r of [b.run(["import", path, "bad"]), b.run(["import", "-", "bad"], { stdin: readFileSync(path) })]) {
      expectOneLineError(r, 125, new RegExp(`^bunker: ${message.source}.*\\n$`));
      expect(r.stdout).toBe("");
      expect(storeState()).toEqual(store);
      expect(snapshot(victim)).toEqual(files);
    }
  });

  test("a successful import afterwards adds one layer and leaves nothing in tmp", async () => {
    const before = storeState();
    b.ok(["import", await uniqueLayer("after-bad"), "good"]);
    const after = storeState();
    expect(after.tmp).toEqual([]);
    expect(after.layers.filter((l) => !before.layers.includes(l))).toEqual([layerDir("good").split("/").pop()!]);
    expect(after.layers.length).toBe(before.layers.length + 1);
    b.ok(["rmi", "good"]);
  });
});
