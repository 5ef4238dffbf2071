// `pull`: registry -> local store. Every layer is downloaded, verified and
// unpacked in one streaming pass, several at once; the image becomes visible
// only after all of it has been verified.
import { ImageConfigSchema } from "../image/config.ts";
import { chainIds } from "../image/digest.ts";
import { ingestLayer, type IngestedLayer } from "../image/ingest.ts";
import {
  type Descriptor,
  formatPlatform,
  hostPlatform,
  MANIFEST_ACCEPT,
  type Manifest,
  parseManifest,
  parsePlatform,
  type Platform,
  selectPlatform,
} from "../image/manifest.ts";
import { canonical, familiarName, fullName, parseReference, type Reference } from "../image/reference.ts";
import type { ImageRecord, ImageStore } from "../image/store.ts";
import { BunkerError } from "../lib/errors.ts";
import { forEachLimit } from "../lib/pool.ts";
import { RegistryClient } from "../registry/client.ts";
import type { Engine } from "./engine.ts";

/** What a pull reports as it goes; the CLI renders it (progress bars on a TTY, plain lines otherwise). */
export interface PullEvents {
  status(line: string): void;
  warn(line: string): void;
  layer(id: string, status: string, progress?: { current: number; total: number }): void;
}

export interface PullOptions {
  platform?: string;
  events: PullEvents;
}

const PARALLEL_LAYERS = 4;

const shortDigest = (d: string) => d.slice(7, 19);

interface ResolvedManifest {
  manifest: Manifest;
  /** The digest the user's reference resolves to (an index's, for multi-arch images). */
  digest: string;
  /** The single-platform manifest as stored with the image. */
  descriptor: { digest: string; size: number; mediaType: string };
  bytes: Uint8Array;
}

async function resolveManifest(client: RegistryClient, ref: Reference, platform: Platform, events: PullEvents): Promise<ResolvedManifest> {
  const top = await client.getManifest(ref.digest ?? (ref.tag as string), MANIFEST_ACCEPT);
  const parsed = parseManifest(top.bytes, top.mediaType);
  if (parsed.kind === "manifest") {
    return { manifest: parsed.manifest, digest: top.digest, descriptor: { digest: top.digest, size: top.bytes.length, mediaType: top.mediaType }, bytes: top.bytes };
  }
  const entry: Descriptor = selectPlatform(parsed.index, platform);
  const host = hostPlatform();
  if (platform.os !== host.os || platform.architecture !== host.architecture) {
    events.warn(`WARNING: The requested image's platform (${formatPlatform(platform)}) does not match the detected host platform (${formatPlatform(host)}): it will not run here`);
  }
  const one = await client.getManifest(entry.digest, MANIFEST_ACCEPT);
  const inner = parseManifest(one.bytes, one.mediaType);
  if (inner.kind !== "manifest") throw new BunkerError(`manifest ${entry.digest} for ${formatPlatform(platform)} is an index, not an image manifest`);
  return { manifest: inner.manifest, digest: top.digest, descriptor: { digest: one.digest, size: one.bytes.length, mediaType: one.mediaType }, bytes: one.bytes };
}


export async function pullImage(engine: Engine, reference: string, opts: PullOptions): Promise<ImageRecord> {
  const { events } = opts;
  const store: ImageStore = engine.images;
  const ref = parseReference(reference);
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const client = RegistryClient.for(ref.domain, ref.path);
  events.status(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);

  const { manifest, digest, descriptor, bytes } = await resolveManifest(client, ref, platform, events);
  const configBytes = await client.getBlob(manifest.config.digest);
  const parsedConfig = ImageConfigSchema.safeParse(JSON.parse(new TextDecoder().decode(configBytes)));
  if (!parsedConfig.success) throw new BunkerError(`invalid image config ${manifest.config.digest}: ${parsedConfig.error.issues[0].message}`);
  const config = parsedConfig.data;
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length)
    throw new BunkerError(`invalid image: the manifest lists ${manifest.layers.length} layers but the config ${diffIds.length}`);
  const chains = chainIds(diffIds);
  const id = manifest.config.digest;

  const pulled: (IngestedLayer | null)[] = manifest.layers.map(() => null);
  try {
    await forEachLimit([...manifest.layers.keys()], PARALLEL_LAYERS, async (i) => {
      const layer = manifest.layers[i];
      const short = shortDigest(layer.digest);
      if (store.hasLayer(chains[i])) {
        events.layer(short, "Already exists");
        return;
      }
      events.layer(short, "Pulling fs layer");
      const ingested = await ingestLayer(store, client.streamBlob(layer.digest), {
        expectedDigest: layer.digest,
        mediaType: layer.mediaType,
        onProgress: (current) => events.layer(short, "Downloading", { current, total: layer.size }),
      });
      pulled[i] = ingested;
      if (ingested.diffId !== diffIds[i])
        throw new BunkerError(`layer ${layer.digest} unpacks to ${ingested.diffId}, but the image config expects ${diffIds[i]}; nothing was stored`);
      events.layer(short, "Pull complete");
    });
  } catch (e) {
    for (const p of pulled) p?.discard(); // the image failed: none of its new layers become visible
    throw e;
  }

  store.putBlob(configBytes);
  store.putBlob(bytes);
  const repoDigest = `${fullName(ref)}@${digest}`;
  const image = store.addImage(
    { id, created: config.created ?? new Date().toISOString(), layers: chains, size: unpackedSize(pulled, store, chains), manifest: descriptor, repoDigests: [repoDigest] },
    ref.tag ? [canonical({ ...ref, digest: undefined })] : [],
    () => {
      pulled.forEach((p, i) => {
        p?.commit({ chainId: chains[i], parent: i > 0 ? chains[i - 1] : null });
      });
    },
  );
  events.status(`Digest: ${digest}`);
  const name = ref.tag ? `${familiarName(ref)}:${ref.tag}` : `${familiarName(ref)}@${digest}`;
  events.status(pulled.some(Boolean) ? `Status: Downloaded newer image for ${name}` : `Status: Image is up to date for ${name}`);
  return image;
}

/** The image's size as docker reports it: the sum of its unpacked layers. */
function unpackedSize(pulled: (IngestedLayer | null)[], store: ImageStore, chains: string[]): number {
  return chains.reduce((n, chain, i) => n + (pulled[i]?.size ?? store.readLayer(chain).size), 0);
}
