// Docker's shapes for an image in the store: `image inspect` (and
// GET /images/{name}/json) and the API's image list (GET /images/json).
import type { Engine } from "./engine.ts";
import { displayParts, familiarName, parseReference } from "../image/reference.ts";
import type { ImageRecord } from "../image/store.ts";
import type { ImageFilter } from "./images-filter.ts";

function repoTag(name: string): string {
  const { repository, tag } = displayParts(name);
  return `${repository}:${tag}`;
}

function repoDigests(image: ImageRecord): string[] {
  return (image.repoDigests ?? []).map((d) => {
    const ref = parseReference(d);
    return `${familiarName(ref)}@${ref.digest}`;
  });
}

/** The keys dockerd always shows in an image's Config, null or empty when the image does not set them. */
const CONFIG_DEFAULTS = { User: "", Env: null, Cmd: null, WorkingDir: "", Entrypoint: null, OnBuild: null, Labels: null };

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export function imageInspect(engine: Engine, image: ImageRecord): Record<string, unknown> {
  const config = engine.images.readConfig(image.id);
  // A committed image names its container and its config as docker's legacy fields do.
  const legacy = config as { container?: string; container_config?: unknown; docker_version?: string };
  return {
    Id: image.id,
    RepoTags: image.names.map(repoTag),
    RepoDigests: repoDigests(image),
    Parent: image.parent ?? "",
    Comment: config.history?.[config.history.length - 1]?.comment ?? "",
    Created: config.created ?? image.created,
    ...(legacy.container ? { Container: legacy.container, ContainerConfig: legacy.container_config ?? {} } : {}),
    DockerVersion: legacy.docker_version ?? "",
    Author: config.author ?? "",
    Config: { ...CONFIG_DEFAULTS, ...config.config },
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: image.size,
    GraphDriver: { Name: "overlay", Data: { LowerDir: image.layers.map((l) => engine.images.layerDiff(l)).reverse().join(":") } },
    RootFS: { Type: "layers", Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: image.created },
  };
}

export interface ListOptions {
  /** Intermediate images (a build's steps) too. */
  all: boolean;
  filter: ImageFilter;
  /** Image id -> bytes shared with other images (`shared-size`); absent: -1, as dockerd. */
  shared?: Map<string, number>;
  /** API < 1.44: an image without tags or digests shows "<none>:<none>" and "<none>@<none>", and VirtualSize is sent. */
  legacy: boolean;
}

/** dockerd's ImageSummary list, newest first. */
export function imageSummaries(engine: Engine, opts: ListOptions): object[] {
  const out: { created: number; summary: object }[] = [];
  for (const image of engine.images.list()) {
    if ((image.intermediate && !opts.all) || !opts.filter.image(image)) continue;
    const names = image.names.length === 0 ? (opts.filter.name(undefined) ? [] : undefined) : image.names.filter((n) => opts.filter.name(n));
    if (names === undefined || (image.names.length > 0 && names.length === 0)) continue;
    let tags = names.map(repoTag);
    let digests = repoDigests(image);
    if (opts.legacy && tags.length === 0 && digests.length === 0) [tags, digests] = [["<none>:<none>"], ["<none>@<none>"]];
    const created = unixSeconds(image.created);
    const labels = engine.images.readConfig(image.id).config?.Labels ?? {};
    out.push({
      created,
      summary: {
        Containers: -1,
        Created: created,
        Id: image.id,
        Labels: labels,
        ParentId: image.parent ?? "",
        RepoDigests: digests,
        RepoTags: tags,
        SharedSize: opts.shared?.get(image.id) ?? -1,
        Size: image.size,
        ...(opts.legacy ? { VirtualSize: image.size } : {}),
      },
    });
  }
  return out.sort((a, b) => b.created - a.created).map((o) => o.summary);
}
