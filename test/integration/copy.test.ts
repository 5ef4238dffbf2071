// The copy engine's transports through the CLI, as podman offers them: `pull`
// from oci:DIR, oci-archive:FILE and docker-archive:FILE, and `push IMAGE DEST`
// to the same. Each round trip ends in a fresh store that runs the image.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Bunker, expectOneLineError } from "./harness.ts";

const haveSkopeo = !!Bun.which("skopeo");

let b: Bunker; // the store images are copied out of
let work: string;
let id: string;

beforeAll(() => {
  b = Bunker.withBusybox();
  work = mkdtempSync("/var/tmp/bunker-copy-");
  id = JSON.parse(b.ok(["image", "inspect", "busybox"]))[0].Id;
});
afterAll(() => {
  b.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh store: pulls a reference, checks the image id and that it runs, and is removed again. */
function pullInFreshStore(ref: string, name: string, expectedId = id): string {
  const other = new Bunker();
  try {
    const out = other.ok(["pull", ref]);
    expect(out).toMatch(/: Pull complete\n/);
    expect(out.trim().split("\n").at(-1)).toBe(name);
    expect(JSON.parse(other.ok(["image", "inspect", name]))[0].Id).toBe(expectedId);
    expect(other.ok(["run", "--rm", name, "echo", "copied"])).toBe("copied\n");
    expect(readdirSync(join(other.root, "image", "tmp"))).toEqual([]);
    return out;
  } finally {
    other.cleanup();
  }
}

const indexOf = (dir: string) => JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));

describe("oci: layout directories", () => {
  const dir = () => join(work, "layout");

  test("push IMAGE oci:DIR writes an OCI layout; pull oci:DIR brings the image back under its name and it runs", () => {
    const out = b.ok(["push", "busybox", `oci:${dir()}`]);
    expect(out).toMatch(/^latest: digest: sha256:[a-f0-9]{64} size: \d+\n$/);
    expect(JSON.parse(readFileSync(join(dir(), "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = indexOf(dir());
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations).toEqual({ "io.containerd.image.name": "docker.io/library/busybox:latest", "org.opencontainers.image.ref.name": "latest" });
    expect(readdirSync(dir()).filter((f) => f.endsWith(".tmp"))).toEqual([]);

    const pulled = pullInFreshStore(`oci:${dir()}`, "docker.io/library/busybox:latest");
    expect(pulled).toContain("Status: Downloaded newer image for busybox:latest\n");
    expect(pulled).not.toContain("Pulling from");
  });

  test("pushing again keeps the blobs; another name adds an entry, and oci:DIR:NAME picks it", () => {
    const blobs = readdirSync(join(dir(), "blobs", "sha256")).sort();
    b.ok(["push", "busybox", `oci:${dir()}`]);
    expect(readdirSync(join(dir(), "blobs", "sha256")).sort()).toEqual(blobs);
    expect(indexOf(dir()).manifests).toHaveLength(1); // the same ref.name is replaced, not repeated

    expect(b.ok(["push", "-q", "busybox", `oci:${dir()}:localhost/copied:v2`])).toBe("busybox\n");
    const names = indexOf(dir()).manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]);
    expect(names).toEqual(["latest", "localhost/copied:v2"]);
    pullInFreshStore(`oci:${dir()}:localhost/copied:v2`, "localhost/copied:v2");
  });

  test("pull twice: the second finds every layer in place; -q prints only the names", () => {
    const other = new Bunker();
    try {
      expect(other.ok(["pull", "-q", `oci:${dir()}:latest`])).toBe("docker.io/library/busybox:latest\n");
      const again = other.ok(["pull", `oci:${dir()}:latest`]);
      expect(again).toMatch(/: Already exists\n/);
      expect(again).toContain("Status: Image is up to date for busybox:latest\n");
    } finally {
      other.cleanup();
    }
  });

  test.skipIf(!haveSkopeo)("skopeo reads bunker's layout, and bunker pulls the layout skopeo writes (named only v1: the image stays untagged)", () => {
    const inspect = Bun.spawnSync(["skopeo", "inspect", `oci:${dir()}:latest`]);
    expect(inspect.exitCode).toBe(0);
    expect(JSON.parse(inspect.stdout.toString()).Digest).toBe(indexOf(dir()).manifests[0].digest);

    const fromSkopeo = join(work, "skopeo-layout");
    const copy = Bun.spawnSync(["skopeo", "--insecure-policy", "copy", "-q", `oci:${dir()}:latest`, `oci:${fromSkopeo}:v1`]);
    expect(copy.stderr.toString()).toBe("");
    pullInFreshStore(`oci:${fromSkopeo}:v1`, id);
  });
});

describe("archives", () => {
  test("pull oci-archive:FILE of a `save --format oci-archive`, whole or by its ref.name", () => {
    const file = join(work, "saved-oci.tar");
    b.ok(["save", "--format", "oci-archive", "-o", file, "busybox"]);
    pullInFreshStore(`oci-archive:${file}`, "docker.io/library/busybox:latest");
    pullInFreshStore(`oci-archive:${file}:latest`, "docker.io/library/busybox:latest");
  });

  test("pull docker-archive:FILE of a `save`, whole or by name", () => {
    const file = join(work, "saved-docker.tar");
    b.ok(["save", "-o", file, "busybox"]);
    pullInFreshStore(`docker-archive:${file}`, "docker.io/library/busybox:latest");
    pullInFreshStore(`docker-archive:${file}:busybox`, "docker.io/library/busybox:latest");
  });

  test("push IMAGE oci-archive:FILE and docker-archive:FILE:NAME, pulled back", () => {
    const oci = join(work, "pushed-oci.tar");
    expect(b.ok(["push", "busybox", `oci-archive:${oci}`])).toMatch(/^latest: digest: sha256:[a-f0-9]{64} size: \d+\n$/);
    pullInFreshStore(`oci-archive:${oci}`, "docker.io/library/busybox:latest");

    const docker = join(work, "pushed-docker.tar");
    expect(b.ok(["push", "busybox", `docker-archive:${docker}:localhost/renamed:v3`])).toBe("");
    pullInFreshStore(`docker-archive:${docker}`, "localhost/renamed:v3");
    // What push wrote, load reads too.
    const other = new Bunker();
    try {
      expect(other.ok(["load", "-i", docker])).toBe("Loaded image: localhost/renamed:v3\n");
    } finally {
      other.cleanup();
    }
  });
});

describe("errors are one line, and change nothing", () => {
  test("an unknown transport is refused for pull and push, exit 125", () => {
    expectOneLineError(b.run(["pull", "foo:/tmp/x"]), 125, /^bunker: unsupported transport "foo" in "foo:\/tmp\/x": use docker:\/\/, oci:, oci-archive: or docker-archive:\n$/);
    expectOneLineError(b.run(["push", "busybox", "ftp://host/x"]), 125, /^bunker: unsupported transport "ftp" in "ftp:\/\/host\/x"/);
  });

  test("a missing layout or archive, a name not in it, a missing output directory", () => {
    const before = readdirSync(join(b.root, "image", "layers"));
    expectOneLineError(b.run(["pull", `oci:${join(work, "nosuch")}`]), 125, /^bunker: open .*nosuch: no such directory\n$/);
    expectOneLineError(b.run(["pull", `oci-archive:${join(work, "nosuch.tar")}`]), 125, /^bunker: open .*nosuch\.tar: no such file or directory\n$/);
    expectOneLineError(b.run(["pull", `oci:${join(work, "layout")}:nosuch`]), 125, /^bunker: invalid OCI layout: no image in it is named "nosuch"\n$/);
    expectOneLineError(b.run(["pull", `docker-archive:${join(work, "saved-docker.tar")}:nosuch`]), 125, /^bunker: invalid archive: no image in it is named "nosuch"\n$/);
    expectOneLineError(b.run(["push", "busybox", "oci-archive:/nonexistent/x.tar"]), 125, /^bunker: invalid output path: directory "\/nonexistent" does not exist\n$/);
    expectOneLineError(b.run(["push", "nosuch", `oci:${join(work, "empty")}`]), 125, /^bunker: No such image: nosuch\n$/);
    expect(existsSync(join(work, "empty"))).toBe(false);
    expect(readdirSync(join(b.root, "image", "layers"))).toEqual(before);
    expect(readdirSync(join(b.root, "image", "tmp"))).toEqual([]);
  });
});
