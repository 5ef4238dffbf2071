// GET /distribution/{name}/json: what a registry holds under a name, without
// pulling it: the manifest's descriptor and the platforms it offers (an
// index's entries, or a single image's own platform from its config).
import { parseImageConfig } from "../copy/image-config.ts";
import { MANIFEST_ACCEPT, parseManifest, type Platform } from "../image/manifest.ts";
import { parseReference } from "../image/reference.ts";
import { RegistryClient } from "../registry/client.ts";
import type { Credentials } from "../registry/credentials.ts";

export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: Platform[];
}

export async function inspectDistribution(name: string, credentials?: Credentials): Promise<DistributionInspect> {
  const ref = parseReference(name);
  const client = RegistryClient.for(ref.domain, ref.path, { credentials });
  const top = await client.getManifest(ref.digest ?? (ref.tag as string), MANIFEST_ACCEPT);
  const parsed = parseManifest(top.bytes, top.mediaType);
  const Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.length };
  if (parsed.kind === "index") {
    return { Descriptor, Platforms: parsed.index.manifests.flatMap((m) => (m.platform ? [platformOf(m.platform)] : [])) };
  }
  const config = parseImageConfig(await client.getBlob(parsed.manifest.config.digest), parsed.manifest.layers.length, "invalid image config", "the manifest has");
  return { Descriptor, Platforms: [platformOf(config)] };
}

/** os and architecture, and variant only when there is one (as dockerd's ocispec.Platform omits it). */
function platformOf(p: Platform): Platform {
  return { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) };
}
