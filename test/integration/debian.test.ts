// A real distribution image: Debian bookworm (debootstrap, cached under .cache),
// pushed by skopeo to the reference registry, pulled by bunker, and run.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { pushWithSkopeo, type RegistryFixture, startRegistry } from "../fixtures/registry.ts";
import { imageFromLayers } from "../fixtures/test-image.ts";
import { Bunker, REPO } from "./harness.ts";

const ready = !!Bun.which("docker-registry") && !!Bun.which("skopeo");
let b: Bunker;
let reg: RegistryFixture;

beforeAll(async () => {
  if (!ready) return;
  b = new Bunker();
  reg = await startRegistry();
  const tar = Bun.spawnSync(["bash", "-c", `source ${join(REPO, "scripts/lib.sh")} && debian_tar`]);
  if (tar.exitCode !== 0) throw new Error(`debian_tar failed: ${tar.stderr}`);
  const layer = readFileSync(tar.stdout.toString().trim());
  const image = imageFromLayers([layer], (t) => gzipSync(t, { level: 1 }), { cmd: ["bash"], ref: "library/debian", tag: "bookworm" });
  await pushWithSkopeo(reg, image);
}, 300_000);
afterAll(async () => {
  if (!ready) return;
  b.cleanup();
  await reg.stop();
});

test.skipIf(!ready)(
  "a debootstrapped Debian pushed by skopeo is pulled by bunker and runs",
  async () => {
    const ref = `${reg.host}/library/debian:bookworm`;
    const pull = await b.runAsync(["pull", "-q", ref]);
    expect(pull.stderr).toBe("");
    expect(pull.stdout).toBe(`${ref}\n`);
    const run = await b.runAsync(["run", "--rm", ref, "bash", "-c", ". /etc/os-release; echo $ID $VERSION_CODENAME; id -un nobody; ls /usr/bin/apt"]);
    expect(run.stdout).toBe("debian bookworm\nnobody\n/usr/bin/apt\n");
    expect(run.exitCode).toBe(0);
    // The image's own users resolve through its /etc/passwd.
    expect((await b.runAsync(["run", "--rm", "-u", "nobody", ref, "id", "-u"])).stdout).toBe("65534\n");
  },
  120_000,
);
