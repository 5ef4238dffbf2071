// Builds that need a real distribution: a multi-stage build compiling C with
// Debian's gcc (apt-get over the network in RUN), and a built image pushed to
// the reference registry, pulled by skopeo and run under podman. The Debian
// image is debootstrapped once and cached (scripts/lib.sh debian_tar); apt's
// downloads make this file take about a minute.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pushWithSkopeo, type RegistryFixture, startRegistry } from "../fixtures/registry.ts";
import { imageFromLayers } from "../fixtures/test-image.ts";
import { Bunker, busyboxTar, REPO } from "./harness.ts";

const ready = !!Bun.which("docker-registry") && !!Bun.which("skopeo");
const havePodman = !!Bun.which("podman");
const PODMAN_RUN = ["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096", "--runtime", "runc"];
let b: Bunker;
let reg: RegistryFixture;
let ctx: string;
let debian: string;

beforeAll(async () => {
  if (!ready) return;
  b = new Bunker();
  b.ok(["import", busyboxTar(), "busybox"]);
  ctx = mkdtempSync(join(tmpdir(), "bunker-build-debian-"));
  reg = await startRegistry();
  const tar = Bun.spawnSync(["bash", "-c", `source ${join(REPO, "scripts/lib.sh")} && debian_tar`]);
  if (tar.exitCode !== 0) throw new Error(`debian_tar failed: ${tar.stderr}`);
  const layer = readFileSync(tar.stdout.toString().trim());
  await pushWithSkopeo(reg, imageFromLayers([layer], (t) => gzipSync(t, { level: 1 }), { cmd: ["bash"], ref: "library/debian", tag: "bookworm" }));
  debian = `${reg.host}/library/debian:bookworm`;
}, 300_000);
afterAll(async () => {
  if (!ready) return;
  rmSync(ctx, { recursive: true, force: true });
  b.cleanup();
  await reg.stop();
});

test.skipIf(!ready)(
  "multi-stage: a builder stage compiles C with Debian's gcc; the final busybox stage has only the binary, and runs",
  async () => {
    writeFileSync(join(ctx, "hello.c"), '#include <stdio.h>\nint main(void) { puts("hello from gcc"); return 0; }\n');
    writeFileSync(
      join(ctx, "Dockerfile"),
      [
        `FROM ${debian} AS builder`,
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*",
        "WORKDIR /src",
        "COPY hello.c .",
        "RUN gcc -static -O2 -o /hello hello.c",
        "FROM busybox",
        "COPY --from=builder /hello /usr/local/bin/hello",
        'CMD ["hello"]',
        "",
      ].join("\n"),
    );
    const r = await b.runAsync(["build", "-t", "hello-gcc", ctx]);
    if (r.exitCode !== 0) console.error(r.stderr);
    expect(r.exitCode).toBe(0);
    expect((await b.runAsync(["run", "--rm", "hello-gcc"])).stdout).toBe("hello from gcc\n");
    const layers = JSON.parse(await b.okAsync(["image", "inspect", "hello-gcc"]))[0].RootFS.Layers;
    expect(layers).toHaveLength(2); // busybox and the binary: nothing of the builder stage
    // Rebuilt, every step is a cache hit.
    const again = await b.runAsync(["build", "-t", "hello-gcc", ctx]);
    expect(again.stderr).not.toContain(" DONE ");
  },
  600_000,
);

test.skipIf(!ready || !havePodman)("a built image pushed to a registry is pulled by skopeo and runs under podman", async () => {
  writeFileSync(join(ctx, "Dockerfile"), 'FROM busybox\nRUN echo "built by bunker" > /msg\nENV WHO=podman\nCMD ["sh", "-c", "cat /msg; echo $WHO"]\n');
  const ref = `${reg.host}/bunker/built:v1`;
  await b.okAsync(["build", "-t", ref, ctx]);
  await b.okAsync(["push", ref]);
  const name = `localhost/bunker-built-${process.pid}:v1`;
  const copy = Bun.spawnSync(["skopeo", "--insecure-policy", "copy", "-q", "--src-tls-verify=false", `docker://${ref}`, `containers-storage:${name}`]);
  expect(copy.exitCode).toBe(0);
  try {
    const r = Bun.spawnSync(["podman", "run", "--rm", ...PODMAN_RUN, name]);
    expect(r.stdout.toString()).toBe("built by bunker\npodman\n");
  } finally {
    Bun.spawnSync(["podman", "rmi", "-f", name]);
  }
});
