// `builder prune`: the build cache goes: the step entries, the intermediate
// images that kept their layers (those no container uses), and with --all the
// RUN cache mounts too. Built images and their layers stay.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../engine/engine.ts";
import { type PruneReport, pruneImages } from "../engine/prune-images.ts";

export function pruneBuildCache(engine: Engine, all: boolean): PruneReport {
  const dir = engine.images.dir;
  const entries = join(dir, "build-cache");
  const removed = existsSync(entries) ? readdirSync(entries).length : 0;
  rmSync(entries, { recursive: true, force: true });
  const report = pruneImages(engine, false, (image) => !!image.intermediate);
  if (all) rmSync(join(dir, "build-cache-mounts"), { recursive: true, force: true });
  return { lines: removed > 0 ? [`${removed} cached steps`, ...report.lines] : report.lines, reclaimed: report.reclaimed };
}
