// Writes the pull benchmark's image as an OCI layout: LAYERS layers, about
// TOTAL_MB in all, each a mix of compressible text and incompressible random
// files (like a real base image plus an app). Usage: bun scripts/bench-image.ts DIR [LAYERS] [TOTAL_MB]
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [dir, layersArg = "6", totalArg = "300"] = process.argv.slice(2);
if (!dir) throw new Error("usage: bun scripts/bench-image.ts DIR [LAYERS] [TOTAL_MB]");
const layerCount = Number(layersArg);
const perLayer = (Number(totalArg) << 20) / layerCount;

const sha = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ".split(" ");

function text(size: number, seed: number): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = seed; n < size; i++) {
    const w = `${words[i % words.length]}${i % 17 === 0 ? "\n" : " "}`;
    parts.push(w);
    n += w.length;
  }
  return parts.join("");
}

mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
const blob = (b: Uint8Array) => {
  const hex = sha(b);
  writeFileSync(join(dir, "blobs", "sha256", hex), b);
  return { digest: `sha256:${hex}`, size: b.length };
};

const layers: { mediaType: string; digest: string; size: number }[] = [];
const diffIds: string[] = [];
for (let l = 0; l < layerCount; l++) {
  const root = join(dir, `rootfs-${l}`);
  let written = 0;
  for (let f = 0; written < perLayer; f++) {
    const sub = join(root, `layer${l}`, `d${f % 40}`);
    mkdirSync(sub, { recursive: true });
    // Two thirds text (4–64 KiB files), one third random (256 KiB – 1 MiB).
    const random = f % 3 === 2;
    const size = random ? (256 + ((f * 7919) % 768)) << 10 : (4 + ((f * 131) % 60)) << 10;
    writeFileSync(join(sub, `f${f}${random ? ".bin" : ".txt"}`), random ? crypto.getRandomValues(new Uint8Array(size)) : text(size, f));
    written += size;
  }
  const tar = join(dir, `layer-${l}.tar`);
  const r = Bun.spawnSync(["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tar, "."]);
  if (r.exitCode !== 0) throw new Error(`tar failed: ${r.stderr}`);
  const plain = readFileSync(tar);
  diffIds.push(`sha256:${sha(plain)}`);
  const gz = Bun.spawnSync(["gzip", "-c", "-6", tar]).stdout;
  layers.push({ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", ...blob(gz) });
  rmSync(root, { recursive: true, force: true });
  rmSync(tar);
}

const config = new TextEncoder().encode(
  JSON.stringify({
    architecture: "amd64",
    os: "linux",
    created: "2026-01-01T00:00:00Z",
    config: { Cmd: ["sh"] },
    rootfs: { type: "layers", diff_ids: diffIds },
  }),
);
const manifest = new TextEncoder().encode(
  JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", ...blob(config) }, layers }),
);
const m = blob(manifest);
writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
writeFileSync(
  join(dir, "index.json"),
  JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m, annotations: { "org.opencontainers.image.ref.name": "latest" } }] }),
);
console.log(`wrote ${layerCount} layers (${layers.reduce((n, x) => n + x.size, 0) >> 20} MiB compressed) to ${dir}`);
