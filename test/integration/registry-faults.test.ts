// Pulls from a misbehaving registry, hostile layers, multi-arch indexes and
// kill -9 mid-pull: each failure is one clear line, the store is left as it
// was, and a good pull afterwards succeeds. Every command runs async: the
// fixture registries serve from this process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { type Fault, makeIndex, makeTestImage, startFaultyRegistry, type TestImage } from "../fixtures/faulty-registry.ts";
import { maliciousLayers, prepareVictim, snapshotVictim } from "../fixtures/malicious-layers.ts";
import { imageFromLayers, makeTar } from "../fixtures/test-image.ts";
import { Bunker } from "./harness.ts";

let b: Bunker;
let image: TestImage;
beforeAll(async () => {
  b = new Bunker();
  image = await makeTestImage({ layers: 3, files: { "hello.txt": "hello\n", "big.bin": crypto.getRandomValues(new Uint8Array(1 << 20)) as unknown as string } });
});
afterAll(() => b.cleanup());

/** What the store holds: layer dirs, blob files and leftovers in tmp/. */
function storeState() {
  const dir = (p: string) => (existsSync(join(b.root, "image", p)) ? readdirSync(join(b.root, "image", p)).sort() : []);
  return { layers: dir("layers"), blobs: dir("blobs/sha256"), tmp: dir("tmp"), images: b.ok(["images", "-q", "--no-trunc"]) };
}

/** Every blob is referenced by an image (config, manifest) or a layer: nothing orphaned. */
function expectNoOrphanBlobs() {
  const referenced = new Set<string>();
  const index = JSON.parse(readFileSync(join(b.root, "image", "images.json"), "utf8"));
  for (const i of Object.values(index.images) as { id: string; manifest?: { digest: string } }[]) {
    referenced.add(i.id.slice(7));
    if (i.manifest) referenced.add(i.manifest.digest.slice(7));
  }
  for (const l of readdirSync(join(b.root, "image", "layers"))) {
    const rec = JSON.parse(readFileSync(join(b.root, "image", "layers", l, "layer.json"), "utf8"));
    if (rec.blob) referenced.add(rec.blob.digest.slice(7));
  }
  // Manifests of indexes are not kept; everything in blobs must be accounted for otherwise.
  const stray = readdirSync(join(b.root, "image", "blobs", "sha256")).filter((h) => !referenced.has(h) && !h.includes("."));
  expect(stray).toEqual([]);
}

async function pull(host: string, repo: string, extra: string[] = []) {
  return b.runAsync(["pull", ...extra, `${host}/${repo}`]);
}

async function goodPullAfterwards(served: TestImage) {
  const good = await startFaultyRegistry("none", served);
  try {
    const r = await pull(good.host, `${served.ref}:${served.tag}`);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    await b.okAsync(["rmi", `${good.host}/${served.ref}:${served.tag}`]);
  } finally {
    await good.stop();
  }
}

describe("faults", () => {
  const cases: [Fault, number, RegExp][] = [
    ["bad-digest", 125, /failed verification/],
    ["always-500", 125, /500|Internal Server Error/i],
    ["html-error", 125, /HTML|not JSON|Bad Gateway/i],
    ["html-500", 125, /Bad Gateway|502|500/i],
    ["huge-manifest", 125, /larger than the 4 MiB allowed/],
    ["bad-digest-ref", 125, /invalid digest/i],
  ];
  for (const [fault, code, message] of cases) {
    test(`${fault}: one clear line, nothing stored, and a good pull afterwards works`, async () => {
      const before = storeState();
      const reg = await startFaultyRegistry(fault, image);
      try {
        const r = await pull(reg.host, `${image.ref}:${image.tag}`);
        expect(r.exitCode).toBe(code);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      } finally {
        await reg.stop();
      }
      expect(storeState()).toEqual({ ...before, blobs: storeState().blobs.filter((x) => before.blobs.includes(x)) });
      expect(storeState().tmp).toEqual([]);
      await goodPullAfterwards(image);
    });
  }

  for (const fault of ["truncate", "truncate-no-range"] as const) {
    test(`${fault}: a body cut mid-stream is fetched again and the pull succeeds`, async () => {
      const reg = await startFaultyRegistry(fault, image);
      try {
        const r = await pull(reg.host, `${image.ref}:${image.tag}`);
        expect(r.stderr).toBe("");
        expect(r.exitCode).toBe(0);
        if (fault === "truncate") expect(reg.ranges.length).toBeGreaterThan(0);
        await b.okAsync(["rmi", `${reg.host}/${image.ref}:${image.tag}`]);
      } finally {
        await reg.stop();
      }
    });
  }
});

describe("malicious layers", () => {
  const work = mkdtempSync("/var/tmp/bunker-victim-");
  const victim = join(work, "victim");
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("every hostile layer fails with a clear error and leaves the victim byte-identical", async () => {
    prepareVictim(victim);
    const snapshot = snapshotVictim(victim);
    for (const layer of await maliciousLayers(victim)) {
      const hostile = imageFromLayers([gunzipSync(layer.tar)], (t) => gzipSync(t), { ref: "evil/image", tag: layer.name });
      const before = storeState();
      const reg = await startFaultyRegistry("none", hostile);
      try {
        const r = await pull(reg.host, `evil/image:${layer.name}`);
        expect({ layer: layer.name, code: r.exitCode }).toEqual({ layer: layer.name, code: 125 });
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(/layer|whiteout|escapes|symlink|link/i);
      } finally {
        await reg.stop();
      }
      expect(snapshotVictim(victim)).toBe(snapshot);
      expect(storeState().layers).toEqual(before.layers);
      expect(storeState().tmp).toEqual([]);
    }
  });
});

describe("multi-arch", () => {
  test("an index resolves to the host's platform; --platform picks another and warns", async () => {
    const tar = await makeTar([{ name: "arch.txt", content: "amd64\n" }]);
    const armTar = await makeTar([{ name: "arch.txt", content: "arm64\n" }]);
    const amd = imageFromLayers([tar], (t) => gzipSync(t), { architecture: "amd64" });
    const arm = imageFromLayers([armTar], (t) => gzipSync(t), { architecture: "arm64", variant: "v8" });
    const index = makeIndex(
      [
        { image: arm, platform: { architecture: "arm64", os: "linux", variant: "v8" } },
        { image: amd, platform: { architecture: "amd64", os: "linux" } },
      ],
      { ref: "multi/arch", tag: "latest" },
    );
    const reg = await startFaultyRegistry("none", index);
    try {
      const host = await b.runAsync(["pull", "-q", `${reg.host}/multi/arch`]);
      expect(host.exitCode).toBe(0);
      expect((await b.okAsync(["image", "inspect", "-f", "{{.Architecture}}", `${reg.host}/multi/arch`])).trim()).toBe("amd64");
      await b.okAsync(["rmi", `${reg.host}/multi/arch`]);

      const other = await b.runAsync(["pull", "--platform", "linux/arm64", `${reg.host}/multi/arch`]);
      expect(other.exitCode).toBe(0);
      expect(other.stderr).toMatch(/WARNING: .*linux\/arm64.* does not match the detected host platform \(linux\/amd64\)/);
      expect((await b.okAsync(["image", "inspect", "-f", "{{.Architecture}}", `${reg.host}/multi/arch`])).trim()).toBe("arm64");
      await b.okAsync(["rmi", `${reg.host}/multi/arch`]);

      const none = await b.runAsync(["pull", "--platform", "linux/s390x", `${reg.host}/multi/arch`]);
      expect(none.exitCode).toBe(125);
      expect(none.stderr).toMatch(/no matching manifest for linux\/s390x/);
    } finally {
      await reg.stop();
    }
  });
});

describe("crash safety", () => {
  test("kill -9 at several points of a pull, then a re-pull succeeds and leaves no orphaned blobs", async () => {
    const big = await makeTestImage({ layers: 4, files: { "a.bin": crypto.getRandomValues(new Uint8Array(4 << 20)) as unknown as string } });
    const reg = await startFaultyRegistry("none", big);
    const ref = `${reg.host}/${big.ref}:${big.tag}`;
    try {
      // Kill when the pull reaches each of these points in its (plain, non-TTY) progress output.
      for (const point of ["Pulling from", "Pulling fs layer", "Downloading", "Pull complete", "Digest:"]) {
        const p = Bun.spawn([process.env.BUNKER_BIN ?? join(import.meta.dir, "../../dist/bunker"), "--root", b.root, "pull", ref], { stdout: "pipe", stderr: "pipe" });
        const reader = p.stdout.getReader();
        let out = "";
        while (!out.includes(point)) {
          const { value, done } = await reader.read();
          if (done) break;
          out += new TextDecoder().decode(value);
        }
        p.kill("SIGKILL");
        await p.exited;
        const again = await b.runAsync(["pull", "-q", ref]);
        expect({ point, code: again.exitCode, err: again.stderr }).toEqual({ point, code: 0, err: "" });
        expect(readdirSync(join(b.root, "image", "tmp"))).toEqual([]);
        expectNoOrphanBlobs();
        await b.okAsync(["rmi", ref]);
      }
    } finally {
      await reg.stop();
    }
  });
});
