// `build`: walks the stages the target needs, step by step. Each step's key
// is looked up in the cache first; a hit reuses the state it made ("CACHED"),
// a miss runs the step and remembers it. The result is recorded as an image
// (and tagged) only once every step has succeeded, so a failure leaves no
// half-made image.
import fs from "node:fs";
import { join, posix } from "node:path";
import type { Engine } from "../engine/engine.ts";
import { ensureImage } from "../engine/ensure-image.ts";
import { readLayeredFile } from "../engine/layer-files.ts";
import { MS_RDONLY, withOverlay } from "../engine/rootfs/container-root.ts";
import { cleanPath, fdPath, RootFs } from "../engine/rootfs/root-fs.ts";
import { resolveUser } from "../engine/user.ts";
import { hostArchitecture } from "../image/config.ts";
import { ingestEntries } from "../image/ingest-entries.ts";
import { unpackLayer } from "../image/unpack.ts";
import { canonical, parseReference } from "../image/reference.ts";
import type { TarEntry } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";
import type { CopyEvents } from "../copy/types.ts";
import { DEFAULT_PATH } from "../runtime/program.ts";
import { BuildCache } from "./cache.ts";
import { Cancellation } from "./cancel.ts";
import type { BuildContext } from "./context.ts";
import { type CopyPlan, type CopySource, copyEntries, hashEntries } from "./copy-step.ts";
import { checkRunFlags, type Entitlements } from "./entitlements.ts";
import { statInImage, resolveInImage } from "./image-files.ts";
import { buildNetwork } from "./network.ts";
import type { Instruction } from "./parser/ast.ts";
import { expandText, expandWord } from "./parser/expand.ts";
import { parseDockerfile } from "./parser/parse.ts";
import { type Plan, planStages, referencedFrom, type Stage, stageNamed, targetStage } from "./parser/stages.ts";
import { cacheMountDir, parseRunMount } from "./run-mounts.ts";
import { runStep } from "./run-step.ts";
import { type BuildState, imageState, layerStep, metadataStep, recordState, scratchConfig } from "./state.ts";
import { type BuildConfig, commandArgv, metadataChange } from "./steps.ts";
import { type ThrowawayBind, throwawayBind } from "./throwaway-bind.ts";

export interface BuildOptions {
  tags: string[];
  buildArgs: Map<string, string>;
  labels: Record<string, string>;
  noCache: boolean;
  pull: boolean;
  target?: string;
  network?: string;
  /** --allow: what RUN steps may ask for beyond their sandbox. */
  allow: Entitlements;
  secrets: Map<string, string>;
  /** Progress lines (stderr, or nothing with -q). */
  log: (line: string) => void;
  /** A RUN's output. */
  output: (fd: number, data: Buffer) => void;
  /** What a failing RUN printed, when `output` kept it back (-q). */
  heldOutput?: () => string;
  events: CopyEvents;
  /** The classic builder's view of the build (the API's POST /build): each step as it starts, then the state it made. */
  steps?: StepEvents;
}

export interface StepEvents {
  /** A step starts: TEXT is its instruction; N of TOTAL, counting FROMs and not ARGs, as the classic builder numbers them. */
  begin(text: string, n: number, total: number): void;
  /** The step ended in state ID, taken from the cache or made. */
  end(id: string, cached: boolean): void;
}

/** A RUN's process failed: the CLI says so in BuildKit's words, the API's classic stream in the classic builder's. */
export class RunFailedError extends BunkerError {
  constructor(
    readonly command: string,
    readonly code: number,
    held: string,
  ) {
    super(`${held}process "${command}" did not complete successfully: exit code: ${code}`, 1);
  }
}

const HOST_PLATFORM = `linux/${hostArchitecture()}`;

export function checkPlatform(platform: string | undefined): void {
  if (platform === undefined || platform === "" || platform === HOST_PLATFORM || platform === "linux") return;
  throw new BunkerError(`platform "${platform}" is not supported: bunker builds for the host only (${HOST_PLATFORM})`, 1);
}

export async function build(engine: Engine, ctx: BuildContext, opts: BuildOptions): Promise<string> {
  const df = parseDockerfile(ctx.dockerfile, ctx.dockerfileName);
  const plan = planStages(df, opts.buildArgs, ctx.dockerfileName);
  const target = targetStage(plan, opts.target);
  const tags = opts.tags.map((t) => canonical(parseReference(t))); // a bad tag fails before any work
  const needed = neededStages(plan, target);
  const cancel = new Cancellation(engine);
  let state: BuildState | undefined;
  try {
    const total = [...needed].reduce((sum, i) => sum + 1 + plan.stages[i].instructions.filter((ins) => ins.kind !== "ARG").length, Object.keys(opts.labels).length > 0 ? 1 : 0);
    const builder = new Builder(engine, ctx, opts, plan, df.escape, cancel, total);
    for (const stage of plan.stages) if (needed.has(stage.index)) state = await builder.stage(stage);
    if (Object.keys(opts.labels).length > 0) state = builder.finalLabels(state!);
    cancel.check();
  } finally {
    cancel.dispose();
  }
  recordState(engine.images, state!, tags, false);
  opts.log(`writing image ${state!.id} done`);
  for (const t of tags) opts.log(`naming to ${t} done`);
  return state!.id;
}

/** The target and every stage it builds on or copies from, and nothing else. */
function neededStages(plan: Plan, target: Stage): Set<number> {
  const needed = new Set<number>();
  const visit = (s: Stage) => {
    if (needed.has(s.index)) return;
    needed.add(s.index);
    const base = stageNamed(plan.stages, s.base, s.index);
    if (base) visit(base);
    for (const ins of s.instructions) for (const ref of referencedFrom(ins)) {
      const from = stageNamed(plan.stages, ref, s.index);
      if (from) visit(from);
    }
  };
  visit(target);
  return needed;
}

class Builder {
  private readonly cache: BuildCache;
  private readonly states = new Map<number, BuildState>();
  private step = 0;
  private announced = 0;

  constructor(
    private readonly engine: Engine,
    private readonly ctx: BuildContext,
    private readonly opts: BuildOptions,
    private readonly plan: Plan,
    private readonly escape: string,
    private readonly cancel: Cancellation,
    private readonly total: number,
  ) {
    this.cache = new BuildCache(engine.images);
  }

  private get store() {
    return this.engine.images;
  }

  async stage(stage: Stage): Promise<BuildState> {
    checkPlatform(stage.platform);
    const label = stage.name ?? String(stage.index);
    const count = stage.instructions.length + 1;
    this.announce(`[${label} 1/${count}]`, `FROM ${stage.base}`);
    let state = await this.baseState(stage.base, stage.index);
    this.opts.steps?.end(state.id, false);
    const args = new Map<string, string>();
    const triggers = ((state.config.config as BuildConfig | undefined)?.OnBuild ?? []).map((t, i) => parseDockerfile(`FROM scratch\n${t}`, `ONBUILD ${i + 1}`).instructions[1]);
    if (triggers.length > 0) state = metadataStep(this.store, state, "ONBUILD triggers consumed", (c) => void ((c as BuildConfig).OnBuild = null));
    let n = 1;
    for (const ins of [...triggers, ...stage.instructions]) {
      const numbered = stage.instructions.includes(ins);
      if (numbered) n++;
      state = await this.instruction(ins, state, args, numbered ? `[${label} ${n}/${count}]` : "[onbuild]");
    }
    this.states.set(stage.index, state);
    return state;
  }

  finalLabels(state: BuildState): BuildState {
    const labels = this.opts.labels;
    this.announce("[final]", "LABEL (--label)");
    return this.cached([state.id, "LABEL", labels], () => metadataStep(this.store, state, `LABEL ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(" ")}`, (c) => void (c.Labels = { ...c.Labels, ...labels })));
  }

  /** A stage's FROM: an earlier stage, scratch, or an image (pulled if missing, or always with --pull). */
  private async baseState(base: string, before: number): Promise<BuildState> {
    const stage = stageNamed(this.plan.stages, base, before);
    if (stage) return this.states.get(stage.index)!;
    if (base === "scratch") return withDefaultPath(this.store, { id: "", config: scratchConfig(), layers: [], size: 0 });
    await ensureImage(this.engine, base, this.opts.pull ? "always" : "missing", this.opts.events);
    return withDefaultPath(this.store, imageState(this.store, this.store.resolve(base).id));
  }

  /** A step begins: its `#n` progress line, and the classic builder's Step n/total. */
  private announce(position: string, text: string): void {
    this.opts.log(`#${++this.step} ${position} ${text}`);
    this.opts.steps?.begin(text, ++this.announced, this.total);
  }

  /** The variables an instruction sees: ARGs declared in the stage, overridden by ENV. */
  private vars(state: BuildState, args: Map<string, string>): Map<string, string> {
    const vars = new Map(args);
    for (const e of state.config.config?.Env ?? []) vars.set(e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1));
    return vars;
  }

  /** The step just announced (`#n …`): its cached state, or `make`'s, then remembered. */
  private cached(keyParts: unknown[], make: () => BuildState): BuildState;
  private cached(keyParts: unknown[], make: () => Promise<BuildState>): Promise<BuildState>;
  private cached(keyParts: unknown[], make: () => BuildState | Promise<BuildState>): BuildState | Promise<BuildState> {
    const n = this.step;
    const key = BuildCache.key(keyParts);
    const hit = this.opts.noCache ? undefined : this.cache.lookup(key);
    if (hit) {
      this.opts.log(`#${n} CACHED`);
      this.opts.steps?.end(hit.id, true);
      return hit;
    }
    const started = performance.now();
    const done = (s: BuildState) => {
      this.cache.remember(key, s);
      this.opts.log(`#${n} DONE ${((performance.now() - started) / 1000).toFixed(1)}s`);
      this.opts.steps?.end(s.id, false);
      return s;
    };
    const made = make();
    return made instanceof Promise ? made.then(done) : done(made);
  }

  private async instruction(ins: Instruction, state: BuildState, args: Map<string, string>, position: string): Promise<BuildState> {
    this.cancel.check();
    const config = (state.config.config ?? {}) as BuildConfig;
    const vars = this.vars(state, args);
    if (ins.kind === "ARG") {
      for (const a of ins.args) {
        const value = this.opts.buildArgs.get(a.name) ?? (a.value !== undefined ? expandWord(a.value, vars, this.escape) : this.plan.globalArgs.get(a.name));
        if (value !== undefined) args.set(a.name, value);
      }
      return state;
    }
    const change = metadataChange(ins, vars, this.escape, config);
    if (change) {
      this.announce(position, change.createdBy);
      return this.cached([state.id, change.createdBy], () => metadataStep(this.store, state, change.createdBy, change.apply));
    }
    if (ins.kind === "RUN") return this.run(ins, state, args, position);
    if (ins.kind === "COPY" || ins.kind === "ADD") return this.copy(ins, state, vars, position);
    throw new BunkerError(`${ins.kind} cannot be used here`, 1);
  }

  private async run(ins: Extract<Instruction, { kind: "RUN" }>, state: BuildState, args: Map<string, string>, position: string): Promise<BuildState> {
    const config = (state.config.config ?? {}) as BuildConfig;
    const argv = runArgv(ins, config);
    const env = [...args].map(([k, v]) => `${k}=${v}`);
    checkRunFlags(ins.flags, this.opts.allow);
    const network = buildNetwork(ins.flags.network?.[0] ?? this.opts.network);
    const vars = this.vars(state, args);
    const mounts = (ins.flags.mount ?? []).map((m) => parseRunMount(expandWord(m, vars, this.escape), config.WorkingDir ?? "/"));
    const createdBy = `RUN ${argv.join(" ")} # buildkit`;
    this.announce(position, `RUN ${"json" in ins.command ? JSON.stringify(ins.command.json) : ins.command.shell}`);
    return this.cached([state.id, createdBy, env, mounts, network], async () => {
      const binds: string[] = [];
      const tmpfs: Record<string, string> = {};
      const throwaways: ThrowawayBind[] = [];
      try {
        for (const m of mounts) {
          if (m.type === "cache") binds.push(`${cacheMountDir(this.store.dir, m.id)}:${m.target}${m.readonly ? ":ro" : ""}`);
          else if (m.type === "tmpfs") tmpfs[m.target] = m.size ? `size=${m.size}` : "";
          else if (m.type === "secret") {
            const src = this.opts.secrets.get(m.id);
            if (src) binds.push(`${src}:${m.target}:ro`);
            else if (m.required) throw new BunkerError(`secret ${m.id} not found: pass it with --secret id=${m.id},src=PATH`, 1);
          } else {
            if (m.from) throw new BunkerError(`RUN --mount=type=bind,from=${m.from} is not supported yet: COPY --from the files instead`, 1);
            if (m.readonly) binds.push(`${this.contextPath(m.source)}:${m.target}:ro`);
            else {
              const view = await this.contextView(m.source);
              throwaways.push(view);
              binds.push(`${view.path}:${m.target}`);
            }
          }
        }
        const result = await runStep(this.engine, state, { argv, env, network, binds, tmpfs, targets: mounts.map((m) => m.target), output: this.opts.output, cancel: this.cancel });
        if (!result.layer) {
          const held = this.opts.heldOutput?.() ?? "";
          throw new RunFailedError(argv.join(" "), result.exitCode, held);
        }
        return layerStep(this.store, state, createdBy, result.layer);
      } finally {
        for (const t of throwaways) t.release(); // a writable bind's writes end with its step
      }
    });
  }

  /** A context path as a host path for a bind: resolved inside the context, so a symlink cannot point it elsewhere. */
  private contextPath(path: string): string {
    const fd = this.contextFd(path);
    try {
      return fs.readlinkSync(fdPath(fd));
    } finally {
      fs.closeSync(fd);
    }
  }

  /** A writable bind of a context path: a throwaway view of it (throwaway-bind.ts), so the context is never written. */
  private async contextView(path: string): Promise<ThrowawayBind> {
    const fd = this.contextFd(path);
    try {
      return await throwawayBind(this.store, fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** An fd of a context path, resolved inside the context; the caller closes it. */
  private contextFd(path: string): number {
    const fd = this.ctx.root.lookup(path, true);
    if (fd === null) throw new BunkerError(`bind mount source "${path}" not found in the build context`, 1);
    return fd;
  }

  private async copy(ins: Extract<Instruction, { kind: "COPY" | "ADD" }>, state: BuildState, vars: Map<string, string>, position: string): Promise<BuildState> {
    const x = (w: string) => expandWord(w, vars, this.escape);
    const config = (state.config.config ?? {}) as BuildConfig;
    const flag = (name: string) => (ins.flags[name] ? x(ins.flags[name][0]) : undefined);
    const heredocs = new Map(ins.heredocs.map((h) => [h.name, h]));
    const sources = ins.sources.map((s) => s.match(/^<<-?["']?([A-Za-z_][A-Za-z0-9_]*)/)?.[1] ?? x(s));
    // Symlinks on the way are followed inside the image, as docker's COPY does: into a linked directory, through a linked file.
    const dest = resolveInImage(this.store, state.layers, posix.resolve(config.WorkingDir || "/", x(ins.dest)));
    const rawDest = x(ins.dest);
    const destIsDir = rawDest.endsWith("/") || rawDest === "." || rawDest.endsWith("/.") || sources.length > 1 || sources.some((s) => /[*?[]/.test(s)) || !!statInImage(this.store, state.layers, cleanPath(dest))?.isDirectory();
    const chown = flag("chown");
    const chmod = flag("chmod");
    if (chmod !== undefined && !/^[0-7]{3,4}$/.test(chmod)) throw new BunkerError(`invalid --chmod=${chmod}: give an octal mode such as 0755`, 1);
    for (const unsupported of ["parents", "exclude", "keep-git-dir"])
      if (ins.flags[unsupported]) throw new BunkerError(`${ins.kind} --${unsupported} is not supported yet`, 1);
    const from = flag("from");
    const text = `${ins.kind} ${Object.entries(ins.flags).map(([k, v]) => `--${k}=${x(v[0])} `).join("")}${sources.join(" ")} ${dest}`;
    this.announce(position, text);
    const scratch = this.store.newTempDir();
    try {
      return await this.withCopySource(from, async (source) => {
        const plan: CopyPlan = { sources: [], inline: [], dest, destIsDir, ...(chmod ? { mode: Number.parseInt(chmod, 8) } : {}) };
        if (chown) plan.owner = this.owner(chown, state);
        for (const [i, s] of sources.entries()) {
          const heredoc = heredocs.get(s);
          if (heredoc && ins.sources[i].startsWith("<<")) {
            const path = join(scratch, `heredoc-${i}`);
            fs.writeFileSync(path, heredoc.expand ? expandText(heredoc.content, vars, this.escape) : heredoc.content);
            plan.inline.push({ name: s, path, mode: 0o644 });
          } else if (ins.kind === "ADD" && /^https?:\/\//.test(s)) plan.inline.push(await download(s, scratch, i, flag("checksum")));
          else if (ins.kind === "ADD" && /^git@|\.git$|^git:\/\//.test(s)) throw new BunkerError(`ADD ${s}: git sources are not supported; clone the repository into the context and COPY it`, 1);
          else plan.sources.push({ pattern: s, from: source });
        }
        if (ins.kind === "ADD" && !from) plan.unpackArchives = (path) => unpackArchive(path, scratch);
        const parents = this.parentEntries(state, dest, destIsDir);
        const hash = await hashEntries(copyEntries(plan, parents));
        return this.cached([state.id, text, hash], async () => {
          const layer = await ingestEntries(this.store, copyEntries(plan, parents));
          return layerStep(this.store, state, `${text} # buildkit`, layer);
        });
      });
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  /** The tree a COPY reads: the context (less .dockerignore), or with --from a stage's or image's files. */
  private async withCopySource<T>(from: string | undefined, fn: (s: CopySource) => Promise<T>): Promise<T> {
    if (from === undefined) return fn({ root: this.ctx.root, ignored: (p, isDir) => (isDir ? this.ctx.ignore.prunes(p) : this.ctx.ignore.ignored(p)) });
    const stage = stageNamed(this.plan.stages, from, this.plan.stages.length);
    const state = stage ? this.states.get(stage.index) : await this.baseState(from, 0);
    if (!state) throw new BunkerError(`COPY --from=${from}: that stage comes later; a stage can copy from earlier ones only`, 1);
    const dirs = state.layers.map((l) => this.store.layerDiff(l)).reverse();
    if (dirs.length <= 1) {
      const root = RootFs.open(dirs[0] ?? this.store.newTempDir());
      try {
        return await fn({ root });
      } finally {
        root.close();
      }
    }
    return withOverlay(`lowerdir=${dirs.join(":")}`, MS_RDONLY, (root) => fn({ root }));
  }

  /** --chown=user[:group], by name through the state's /etc/passwd and /etc/group, or by number. */
  private owner(chown: string, state: BuildState): { uid: number; gid: number } {
    const dirs = state.layers.map((l) => this.store.layerDiff(l)).reverse();
    const u = resolveUser(chown, readLayeredFile(dirs, "etc/passwd"), readLayeredFile(dirs, "etc/group"));
    return { uid: u.uid, gid: u.gid };
  }

  /** The destination's directories, as the state has them (or root's 0755 where missing). */
  private parentEntries(state: BuildState, dest: string, destIsDir: boolean): TarEntry[] {
    const parts = cleanPath(dest).split("/").filter(Boolean);
    const dirs = parts.slice(0, destIsDir ? parts.length : parts.length - 1).map((_, i) => parts.slice(0, i + 1).join("/"));
    return dirs.map((d) => {
      const st = statInImage(this.store, state.layers, d);
      const header = st?.isDirectory() ? { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime } : { mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) };
      return { name: `${d}/`, data: "", header: { ...header, type: "directory" as const } };
    });
  }
}

/** As BuildKit, a base without PATH in its Env gets the default one, so `ENV PATH=/x:$PATH` keeps the usual directories. */
function withDefaultPath(store: Engine["images"], state: BuildState): BuildState {
  const env = state.config.config?.Env ?? [];
  if (env.some((e) => e.startsWith("PATH="))) return state;
  const config = { ...state.config, config: { ...state.config.config, Env: [`PATH=${DEFAULT_PATH}`, ...env] } };
  return { ...state, id: store.putBlob(JSON.stringify(config)), config };
}

/** A RUN's argv. A heredoc that is the whole command is the script; otherwise the shell gets the heredocs with the line. */
function runArgv(ins: Extract<Instruction, { kind: "RUN" }>, config: BuildConfig): string[] {
  if ("json" in ins.command || ins.heredocs.length === 0) return commandArgv(ins.command, config);
  const shell = config.Shell ?? ["/bin/sh", "-c"];
  const [only] = ins.heredocs;
  if (ins.heredocs.length === 1 && /^<<-?["']?[A-Za-z_][A-Za-z0-9_]*["']?$/.test(ins.command.shell)) {
    // A script with a #! line runs with that interpreter, as BuildKit does; otherwise with the shell.
    return only.content.startsWith("#!") ? [...shell, `cat > /tmp/.bunker-heredoc <<'${only.name}'\n${only.content}${only.name}\nchmod +x /tmp/.bunker-heredoc && /tmp/.bunker-heredoc; s=$?; rm -f /tmp/.bunker-heredoc; exit $s`] : [...shell, only.content];
  }
  return [...shell, `${ins.command.shell}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join("")}`];
}

async function download(url: string, scratch: string, i: number, checksum: string | undefined): Promise<{ name: string; path: string; mode: number }> {
  const res = await fetch(url).catch((e) => {
    throw new BunkerError(`ADD ${url}: ${(e as Error).message}`, 1);
  });
  if (!res.ok) throw new BunkerError(`ADD ${url}: the server answered ${res.status} ${res.statusText}`, 1);
  const data = Buffer.from(await res.arrayBuffer());
  if (checksum !== undefined) {
    const got = `sha256:${new Bun.CryptoHasher("sha256").update(data).digest("hex")}`;
    if (!checksum.startsWith("sha256:")) throw new BunkerError(`ADD --checksum=${checksum}: only sha256:<hex> checksums are supported`, 1);
    if (got !== checksum) throw new BunkerError(`ADD ${url}: checksum mismatch: expected ${checksum}, got ${got}`, 1);
  }
  const path = join(scratch, `download-${i}`);
  fs.writeFileSync(path, data);
  const name = posix.basename(new URL(url).pathname) || "index.html";
  return { name, path, mode: 0o600 };
}

/** ADD's local archives: a tar (plain, gzip or zstd) is unpacked into a scratch directory; anything else is copied as is. */
async function unpackArchive(path: string, scratch: string): Promise<string | null> {
  const fd = fs.openSync(path, "r");
  const head = Buffer.alloc(262);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const isTar = (head[0] === 0x1f && head[1] === 0x8b) || (head[0] === 0x28 && head[1] === 0xb5) || (n >= 262 && head.subarray(257, 262).toString() === "ustar");
  if (!isTar) return null;
  const dir = fs.mkdtempSync(join(scratch, "archive-"));
  await unpackLayer(Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>, dir);
  return dir;
}
