// Local volumes on disk, one directory each:
//   volumes/<name>/_data        what containers mount (a bind of this directory)
//   volumes/<name>/volume.json  {Name, Driver, Mountpoint, CreatedAt, Labels, Options, Scope, Anonymous}
//   volumes/<name>/copy-incomplete  while the image's content is copied in (volume-fill.ts)
//   volumes/.new-<rand>/        a volume being created (renamed to <name> when complete)
//   volumes/.removing-<name>/   a volume being deleted
//   volumes/.lock               serialises removal against use (rm, prune, and containers taking a volume)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { syncDir, writeJsonAtomic } from "../lib/atomic.ts";
import { makeDir, OPEN_DIR_MODE, PRIVATE_DIR_MODE } from "../lib/modes.ts";
import { crashPoint } from "../lib/crash-point.ts";
import { BunkerError, NotFoundError } from "../lib/errors.ts";
import { withLock } from "../lib/lock.ts";
import { VOLUME_NAME } from "./volume-spec.ts";
import { emit } from "../events/journal.ts";

export interface VolumeRecord {
  CreatedAt: string;
  Driver: "local";
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: "local";
  /** Made for one container (`-v /path`, an image VOLUME): `rm -v`, `run --rm` and a plain `volume prune` remove it. */
  Anonymous?: boolean;
}

/** The label docker (23+) puts on anonymous volumes; `volume prune` without -a goes by it. */
export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

export function randomVolumeName(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
}

export class VolumeStore {
  readonly dir: string;

  constructor(private readonly root: string) {
    this.dir = join(root, "volumes");
  }

  path(name: string, ...rest: string[]): string {
    return join(this.dir, name, ...rest);
  }

  /**
   * Builds the volume under a temporary name and renames it into place: the
   * rename is the atomic reservation (it fails on an existing, never-empty,
   * volume directory), and a volume is never visible half made.
   * Returns null if the name is taken.
   */
  tryCreate(name: string, opts: { labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean } = {}): VolumeRecord | null {
    if (!VOLUME_NAME.test(name)) throw new BunkerError(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed`);
    if (existsSync(this.path(name, "volume.json"))) return null;
    makeDir(this.dir, PRIVATE_DIR_MODE); // containers reach their volumes through bind mounts, never by this path
    const tmp = join(this.dir, `.new-${randomVolumeName().slice(0, 16)}`);
    makeDir(join(tmp, "_data"), OPEN_DIR_MODE); // the mount point's mode, unless an image's directory is copied in
    const labels = { ...opts.labels, ...(opts.anonymous ? { [ANONYMOUS_LABEL]: "" } : {}) };
    const record: VolumeRecord = {
      CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      Driver: "local",
      Labels: Object.keys(labels).length > 0 ? labels : null,
      Mountpoint: this.path(name, "_data"),
      Name: name,
      Options: opts.options && Object.keys(opts.options).length > 0 ? opts.options : null,
      Scope: "local",
      ...(opts.anonymous ? { Anonymous: true } : {}),
    };
    writeJsonAtomic(join(tmp, "volume.json"), record);
    crashPoint("volume.before-publish");
    try {
      renameSync(tmp, this.path(name));
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (["EEXIST", "ENOTEMPTY"].includes((e as NodeJS.ErrnoException).code ?? "")) return null;
      throw e;
    }
    syncDir(this.dir);
    emit(this.root, "volume", "create", name, { driver: "local" }); // here, so every way a volume is made reports it
    return record;
  }

  load(name: string): VolumeRecord {
    try {
      if (!VOLUME_NAME.test(name)) throw Object.assign(new Error(), { code: "ENOENT" });
      return JSON.parse(readFileSync(this.path(name, "volume.json"), "utf8"));
    } catch (e) {
      if (["ENOENT", "ENOTDIR"].includes((e as NodeJS.ErrnoException).code ?? "")) throw new NotFoundError(`No such volume: ${name}`);
      throw e;
    }
  }

  list(): VolumeRecord[] {
    if (!existsSync(this.dir)) return [];
    const out: VolumeRecord[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!VOLUME_NAME.test(name)) continue;
      try {
        out.push(this.load(name));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // removed while we listed
      }
    }
    return out.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** Out of the listing first (an atomic rename), then the files. Call under withLock. */
  remove(name: string): void {
    const tomb = join(this.dir, `.removing-${name}`);
    renameSync(this.path(name), tomb);
    rmSync(tomb, { recursive: true, force: true });
    emit(this.root, "volume", "destroy", name, { driver: "local" });
  }

  withLock<T>(fn: () => T): T {
    return withLock(join(this.dir, ".lock"), fn, { dirMode: PRIVATE_DIR_MODE }); // a dot name: never taken for a volume
  }
}
