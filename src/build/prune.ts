// `builder prune`: the build cache goes: the step entries, the intermediate
// images that kept their layers (those no container uses), and with --all the
// RUN cache mounts too. Built images and their layers stay.
import type { Engine } from "../engine/engine.ts";
import { type PruneReport, pruneImages } from "../engine/prune-images.ts";

export function pruneBuildCache(engine: Engine, all: boolean): PruneReport {
  const removed = engine.buildCache.prune(all);
  const report = pruneImages(engine, false, (image) => !!image.intermediate);
  const cached = removed.length > 0 ? [`${removed.length} cache objects`] : [];
  return { lines: [...cached, ...report.lines], reclaimed: report.reclaimed + removed.reduce((n, o) => n + o.size, 0) };
}
