// `system check [--repair]`: finds what a crash (or a hand) left wrong in the store,
// and repairs what can be repaired:
//   - tmp/ entries of writers that died (the "incomplete" marks: a killed pull, load, import)
//   - blobs whose content does not match their digest
//   - layers without layer.json or diff/ (incomplete), and layers an image lists but lacks:
//     unpacked again from their blob when the store has it, else their images are removed
//   - layers no image lists (orphans), and blobs nothing names
//   - mounts left under the root, `rm` and volume leftovers (.removing-*, .new-*)
//   - container directories a create left unpublished (.new-<pid>-<id>) or without a record
//   - volumes holding an interrupted copy-up (their copy-incomplete marker)
//   - containers whose monitor died: the exit is recorded (255) if the init is gone too
//   - modes that let other users into the store (store-modes.ts)
//   - starts killed before they recorded the pid: their container adopted, or their processes killed
//   - container records that cannot be read (named only: a person decides)
//   - exited containers whose cgroup still holds processes: they are killed, the cgroup removed
// Image repairs run under the images lock, as pulls commit under it, so a check never
// removes what a concurrent pull is adding.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { MNT_DETACH, umount } from "../../ffi/native.ts";
import { ingestLayer } from "../image/ingest.ts";
import type { ImageIndex, ImageRecord } from "../image/store.ts";
import { cgroupExists, cgroupPids, removeCgroup } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { killCgroupProcesses } from "./remove-container.ts";
import { cgroupPath } from "./runtime-spec.ts";
import { adoptInterruptedStart, isProcessAlive, observedState, readExitFile, refreshState, settledState } from "./start-container.ts";
import { openModes } from "./store-modes.ts";
import { discardIncompleteCopy, hasIncompleteCopy } from "./volume-fill.ts";
import { volumeUsers } from "./volumes.ts";

export interface Problem {
  what: string;
  /** Fixes it and says how; absent when only a person can (the message says what to do). */
  repair?: () => Promise<string> | string;
}

const HEX64 = /^[a-f0-9]{64}$/;

async function fileDigest(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return `sha256:${hasher.digest("hex")}`;
}

const listDir = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

function removeTree(path: string): string {
  rmSync(path, { recursive: true, force: true });
  return `removed ${path}`;
}

/** Blobs any image or layer names. */
function namedBlobs(engine: Engine, images: ImageRecord[]): Set<string> {
  const named = new Set<string>();
  for (const i of images) {
    named.add(i.id);
    if (i.manifest) named.add(i.manifest.digest);
  }
  for (const hex of listDir(join(engine.images.dir, "layers"))) {
    try {
      const blob = engine.images.readLayer(`sha256:${hex}`).blob?.digest;
      if (blob) named.add(blob);
    } catch {
      // incomplete: reported with the layers
    }
  }
  return named;
}

function imageTmpProblems(engine: Engine): Problem[] {
  return engine.images.abandonedTmp().map((path) => ({
    what: `${path}: left incomplete by process ${path.split("/").pop()!.split("-")[0]}, which died while writing it (an interrupted pull, load or import)`,
    repair: () => removeTree(path),
  }));
}

async function blobProblems(engine: Engine): Promise<Problem[]> {
  const dir = join(engine.images.dir, "blobs", "sha256");
  const problems: Problem[] = [];
  for (const hex of listDir(dir).filter((n) => HEX64.test(n))) {
    const digest = `sha256:${hex}`;
    const actual = await fileDigest(join(dir, hex));
    if (actual === digest) continue;
    problems.push({
      what: `blob ${digest} is corrupt: its content hashes to ${actual}`,
      // Under the lock: what names it decides what else must go; an image without its config cannot run.
      repair: () =>
        engine.images.update((index) => {
          engine.images.removeBlob(digest);
          const lost = Object.values(index.images).filter((i) => i.id === digest);
          for (const i of Object.values(index.images)) if (i.manifest?.digest === digest) delete i.manifest;
          for (const i of lost) delete index.images[i.id];
          if (lost.length > 0) engine.images.pruneLayers(index);
          return lost.length > 0 ? `removed the blob and image ${digest.slice(7, 19)}, whose config it was: pull or load it again` : "removed the blob";
        }),
    });
  }
  return problems;
}

/** The layer's diff id and, if the image's manifest is stored, its blob as the manifest names it. */
function layerSource(engine: Engine, image: ImageRecord, chain: string): { diffId: string; blob?: { digest: string; mediaType: string } } {
  const i = image.layers.indexOf(chain);
  const diffId = engine.images.readConfig(image.id).rootfs.diff_ids[i];
  try {
    const manifest = JSON.parse(engine.images.readBlob(image.manifest!.digest).toString());
    const d = manifest.layers?.[i];
    return { diffId, blob: d ? { digest: d.digest, mediaType: d.mediaType } : undefined };
  } catch {
    return { diffId };
  }
}

/**
 * Unpacks CHAIN again from the first candidate blob that unpacks to its diff id, and commits it in place of
 * what is there. Returns false if none does.
 */
async function rebuildLayer(engine: Engine, image: ImageRecord, chain: string, orphans: string[]): Promise<boolean> {
  const store = engine.images;
  const { diffId, blob } = layerSource(engine, image, chain);
  const candidates = [...(blob ? [blob] : []), ...orphans.map((digest) => ({ digest, mediaType: undefined }))];
  for (const c of candidates) {
    if (!store.hasBlob(c.digest)) continue;
    let layer: Awaited<ReturnType<typeof ingestLayer>>;
    try {
      layer = await ingestLayer(store, Bun.file(store.blobPath(c.digest)).stream() as unknown as AsyncIterable<Uint8Array>, { expectedDigest: c.digest, mediaType: c.mediaType });
    } catch {
      continue; // not a layer at all
    }
    if (layer.diffId !== diffId) {
      layer.discard();
      continue;
    }
    const i = image.layers.indexOf(chain);
    store.update(() => {
      removeTree(store.layerPath(chain)); // the incomplete copy: commitLayer keeps an existing one
      layer.commit({ chainId: chain, parent: i > 0 ? image.layers[i - 1] : null });
    });
    return true;
  }
  return false;
}

function layerProblems(engine: Engine, images: ImageRecord[]): Problem[] {
  const store = engine.images;
  const problems: Problem[] = [];
  const listed = new Map<string, ImageRecord[]>();
  for (const i of images) for (const l of i.layers) listed.set(l, [...(listed.get(l) ?? []), i]);
  const present = new Set(listDir(join(store.dir, "layers")).map((hex) => `sha256:${hex}`));
  const orphanBlobs = () => {
    const named = namedBlobs(engine, store.list());
    return listDir(join(store.dir, "blobs", "sha256"))
      .filter((n) => HEX64.test(n) && !named.has(`sha256:${n}`))
      .map((n) => `sha256:${n}`);
  };
  for (const chain of new Set([...present, ...listed.keys()])) {
    const users = listed.get(chain) ?? [];
    const complete = store.hasLayer(chain) && existsSync(store.layerDiff(chain));
    if (complete && users.length > 0) continue;
    if (complete) {
      problems.push({ what: `layer ${chain} is not used by any image`, repair: () => store.update((index) => (store.pruneLayers(index), "removed it")) });
      continue;
    }
    const state = present.has(chain) ? "is incomplete (no layer.json or diff/)" : "is missing";
    const names = users.map((i) => i.names[0] ?? i.id.slice(7, 19)).join(", ");
    problems.push({
      what: `layer ${chain} ${state}${users.length > 0 ? `; used by ${names}` : ""}`,
      repair: async () => {
        if (users.length > 0 && (await rebuildLayer(engine, users[0], chain, orphanBlobs()))) return "unpacked it again from its blob";
        return store.update((index: ImageIndex) => {
          for (const i of users) delete index.images[i.id];
          removeTree(store.layerPath(chain));
          store.pruneLayers(index);
          return users.length > 0 ? `its blob is gone: removed it and ${names}; pull or load again` : "removed it";
        });
      },
    });
  }
  return problems;
}

function orphanBlobProblems(engine: Engine): Problem[] {
  const named = namedBlobs(engine, engine.images.list());
  return listDir(join(engine.images.dir, "blobs", "sha256"))
    .filter((n) => HEX64.test(n) && !named.has(`sha256:${n}`))
    .map((hex) => ({
      what: `blob sha256:${hex} is not used by any image or layer`,
      // Pulls put their blobs in place under the images lock together with the image: never removed from under one.
      repair: () =>
        engine.images.update(() => {
          if (namedBlobs(engine, engine.images.list()).has(`sha256:${hex}`)) return "kept: an image took it meanwhile";
          engine.images.removeBlob(`sha256:${hex}`);
          return "removed it";
        }),
    }));
}

function mountProblems(engine: Engine): Problem[] {
  const roots = [engine.dirs.root, engine.dirs.runRoot].map((r) => r.replace(/\/+$/, ""));
  const points = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4]?.replace(/\\040/g, " "))
    .filter((p): p is string => !!p && roots.some((r) => p.startsWith(`${r}/`)));
  // Deepest first, so a mount on top of another goes before it.
  return [...new Set(points)]
    .sort((a, b) => b.length - a.length)
    .map((p) => ({
      what: `${p} is mounted on the host (bunker mounts container roots only inside their own namespaces)`,
      repair: () => {
        umount(p, MNT_DETACH);
        return "unmounted it";
      },
    }));
}

function leftoverProblems(engine: Engine): Problem[] {
  const leftovers = [
    ...listDir(engine.containers.dir)
      .filter((n) => n.startsWith(".removing-"))
      .map((n) => ({ path: join(engine.containers.dir, n), why: "an interrupted container rm" })),
    ...listDir(engine.volumes.dir)
      .filter((n) => n.startsWith(".removing-") || n.startsWith(".new-"))
      .map((n) => ({ path: join(engine.volumes.dir, n), why: n.startsWith(".new-") ? "an interrupted volume create" : "an interrupted volume rm" })),
  ];
  return leftovers.map(({ path, why }) => ({ what: `${path} is left from ${why}`, repair: () => removeTree(path) }));
}

/** A create cut short (`.new-<pid>-<id>`), or a container directory without its record: neither is a container any command sees. */
function partialContainerProblems(engine: Engine): Problem[] {
  return [
    ...engine.containers.abandonedNew().map((path) => ({ what: `${path} is left from an interrupted container create`, repair: () => removeTree(path) })),
    ...engine.containers.recordless().map((path) => ({ what: `${path} has no container.json (a create cut short by an older bunker)`, repair: () => removeTree(path) })),
  ];
}

/** Volumes whose copy-up was killed half-way (volume-fill.ts): emptied, or removed if anonymous (their container was never made). */
function volumeCopyProblems(engine: Engine): Problem[] {
  const volumes = engine.volumes;
  const users = volumeUsers(engine);
  return volumes
    .list()
    .filter((v) => hasIncompleteCopy(volumes, v.Name))
    .map((v): Problem => {
      const what = `volume ${v.Name} holds an interrupted copy of an image's content (a killed run or create)`;
      const using = users.get(v.Name);
      if (using) return { what: `${what}, and container(s) ${using.join(", ")} use it: copy out what you need, remove them, then repair` };
      return {
        what,
        repair: () =>
          volumes.withLock(() => {
            if (!hasIncompleteCopy(volumes, v.Name)) return "kept: a container's create finished it meanwhile";
            const now = volumeUsers(engine).get(v.Name);
            if (now) return `kept: container(s) ${now.join(", ")} took it meanwhile`;
            if (v.Anonymous) {
              volumes.remove(v.Name);
              return "removed it (an anonymous volume no container uses)";
            }
            discardIncompleteCopy(volumes, v, undefined);
            return "emptied it: the next container that mounts it gets the image's content again";
          }),
      };
    });
}
/** The readable records (unreadableRecordProblems names the others). */
const records = (engine: Engine) => engine.containers.list(() => {});

function containerProblems(engine: Engine): Problem[] {
  const problems: Problem[] = [];
  for (const r of records(engine)) {
    if (r.State.Status !== "running" && r.State.Status !== "paused") continue;
    if (r.MonitorPid && isProcessAlive(r.MonitorPid, r.MonitorStartTime)) continue;
    if (readExitFile(engine, r)) continue; // the monitor recorded the exit: the next ps files it
    const name = r.Name.slice(1);
    if (isProcessAlive(r.State.Pid, r.PidStartTime))
      problems.push({ what: `container ${name} runs without its monitor: its exit will not be recorded and its output is lost; restart it (bunker restart ${name})` });
    else
      problems.push({
        what: `container ${name} is recorded as running, but its process and its monitor died without recording the exit`,
        repair: () => `marked it exited (${settledState(engine, r.Id).State.ExitCode})`,
      });
  }
  return problems;
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, "0")}`;

/** Narrowed, not set: a mode already narrower than allowed (a 0700 root) stays so. */
function modeProblems(engine: Engine): Problem[] {
  return openModes(engine).map(({ path, mode, widest }) => ({
    what: `${path} has mode ${octal(mode)}, which lets other users in: it should be ${octal(widest)} at most`,
    repair: () => {
      chmodSync(path, mode & widest);
      return `made it ${octal(mode & widest)}`;
    },
  }));
}

/** `system check --repair` clearing what a killed start left of a container that does not run: processes, cgroup, run file. */
function clearInterruptedStart(engine: Engine, id: string): string {
  return engine.containers.withLock(id, () => {
    const r = engine.containers.load(id);
    if (r.State.Running) return "left alone: it was started meanwhile";
    const killed = killCgroupProcesses(id);
    removeCgroup(cgroupPath(id));
    if (r.Starting) engine.containers.clearRunning(id);
    return killed > 0 ? `killed its ${killed} process(es) and removed its cgroup; start it again` : "removed its cgroup and run file";
  });
}

/**
 * Starts killed before they recorded the pid (docs/storage.md, Crash windows). A container whose
 * monitor runs it is adopted; what a start left without a monitor is killed and removed, so a
 * new start never puts a second init into the same cgroup.
 */
function interruptedStartProblems(engine: Engine): Problem[] {
  const problems: Problem[] = [];
  for (const r of engine.containers.list()) {
    const name = r.Name.slice(1);
    const monitorAlive = !!r.MonitorPid && isProcessAlive(r.MonitorPid, r.MonitorStartTime);
    if (r.Starting && r.State.Running && monitorAlive && isProcessAlive(r.State.Pid, r.PidStartTime)) {
      problems.push({
        what: `container ${name} runs (pid ${r.State.Pid}, under its monitor ${r.MonitorPid}), but the start that launched it was killed before recording it`,
        repair: () => {
          const adopted = adoptInterruptedStart(engine, r.Id);
          return adopted ? `adopted it: recorded as running (pid ${adopted.State.Pid}, monitor ${adopted.MonitorPid})` : "left alone: its state changed meanwhile; check again";
        },
      });
    } else if (r.Starting && r.State.Running) {
      problems.push({
        what: `container ${name} ran after an interrupted start and exited, but its exit is not recorded`,
        repair: () => `recorded its exit (${refreshState(engine, engine.containers.load(r.Id)).State.ExitCode})`,
      });
    } else if (!r.State.Running && !monitorAlive) {
      // A monitor still alive with no container yet is a start under way, or one that is about to give up.
      const pids = cgroupPids(cgroupPath(r.Id));
      // An exited container's held cgroup is heldCgroupProblems' case.
      if (pids.length > 0 && r.State.Status !== "exited") {
        problems.push({
          what: `container ${name} is recorded as ${r.State.Status}, but its cgroup holds processes (${pids.join(", ")}) left by an interrupted start`,
          repair: () => clearInterruptedStart(engine, r.Id),
        });
      } else if (pids.length === 0 && (r.Starting || cgroupExists(cgroupPath(r.Id)))) {
        problems.push({ what: `container ${name} has the run file or cgroup of an interrupted start, but nothing runs`, repair: () => clearInterruptedStart(engine, r.Id) });
      }
    }
  }
  return problems;
}

/** A record that does not parse: `ps` skips it with a warning. Not a crash's doing (records are replaced whole), so a person decides. */
function unreadableRecordProblems(engine: Engine): Problem[] {
  const problems: Problem[] = [];
  engine.containers.list((id, e) =>
    problems.push({ what: `container ${id}: its record cannot be read (${e.message.split("\n")[0]}): restore ${engine.containers.path(id, "container.json")}, or remove ${engine.containers.path(id)} by hand` }),
  );
  return problems;
}

/**
 * An exited container whose cgroup still holds processes: not its own (those
 * died with its pid namespace), but moved in from outside. Nothing else ends
 * them, and its cgroup cannot go while they live.
 */
function heldCgroupProblems(engine: Engine): Problem[] {
  return records(engine).flatMap((r) => {
    if (observedState(engine, r).State.Status !== "exited") return [];
    const pids = cgroupPids(cgroupPath(r.Id));
    if (pids.length === 0) return [];
    return [
      {
        what: `container ${r.Name.slice(1)} has exited, but its cgroup still holds process(es) ${pids.join(", ")}, so the cgroup cannot be removed`,
        repair: () => {
          const killed = killCgroupProcesses(r.Id);
          settledState(engine, r.Id); // records the exit if no reader could
          removeCgroup(cgroupPath(r.Id));
          return `killed ${killed} process(es) and removed its cgroup`;
        },
      },
    ];
  });
}

/** The checks, in an order where repairing what one finds never invalidates the next (blobs before the layers unpacked from them). */
export const STORE_CHECKS: ((engine: Engine) => Problem[] | Promise<Problem[]>)[] = [
  imageTmpProblems,
  blobProblems,
  (engine) => layerProblems(engine, engine.images.list()),
  orphanBlobProblems,
  mountProblems,
  leftoverProblems,
  partialContainerProblems,
  volumeCopyProblems,
  interruptedStartProblems,
  containerProblems,
  modeProblems,
  unreadableRecordProblems,
  heldCgroupProblems,
];
