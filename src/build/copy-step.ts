// COPY and ADD: the sources (context paths with wildcards, another stage's or
// image's files, heredocs, URLs, local archives to unpack) as tar entries
// under the destination, owned by root or --chown, with --chmod applied. The
// same entries, hashed, are the content part of the step's cache key.
import fs from "node:fs";
import { posix } from "node:path";
import { cleanPath, fdPath, RootFs } from "../engine/rootfs/root-fs.ts";
import { treeEntries } from "../engine/rootfs/tree-reader.ts";
import type { TarEntry } from "../image/tar-writer.ts";
import { BunkerError } from "../lib/errors.ts";

/** Where a COPY reads from: the context (with its .dockerignore), or a stage's or image's files. */
export interface CopySource {
  root: RootFs;
  ignored?: (path: string, isDir: boolean) => boolean;
}

export interface CopyPlan {
  /** Patterns (wildcards allowed) and the tree each is looked up in. */
  sources: { pattern: string; from: CopySource }[];
  /** Inline files: heredocs and downloads, placed under the destination by name. */
  inline: { name: string; path: string; mode: number }[];
  /** Absolute destination, after WORKDIR. */
  dest: string;
  /** The destination names a directory (a trailing slash, several sources, or an existing directory). */
  destIsDir: boolean;
  owner?: { uid: number; gid: number };
  mode?: number;
  /** ADD: local tar archives are unpacked into the destination. */
  unpackArchives?: (path: string) => Promise<string | null>;
}

const GLOB = /[*?[]/;

/** The context paths a source pattern names (wildcards per path element, as filepath.Match). */
export function matchPattern(root: RootFs, pattern: string): string[] {
  const clean = cleanPath(pattern);
  if (!GLOB.test(clean)) return root.stat(clean, true) ? [clean] : [];
  let found = [""];
  for (const part of clean.split("/")) {
    const next: string[] = [];
    for (const dir of found) {
      if (!GLOB.test(part)) {
        const p = dir ? `${dir}/${part}` : part;
        if (root.stat(p, false)) next.push(p);
        continue;
      }
      const fd = root.openDir(dir);
      if (fd === null) continue;
      try {
        const re = globRegExp(part);
        for (const name of fs.readdirSync(fdPath(fd)).sort()) if (re.test(name)) next.push(dir ? `${dir}/${name}` : name);
      } finally {
        fs.closeSync(fd);
      }
    }
    found = next;
  }
  return found;
}

function globRegExp(part: string): RegExp {
  const re = part.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\[!/g, "[^");
  return new RegExp(`^${re}$`);
}

/** The step's entries: parent directories (as `parents` gives them), then every source under the destination. */
export async function* copyEntries(plan: CopyPlan, parents: TarEntry[]): AsyncGenerator<TarEntry> {
  yield* parents;
  const destName = cleanPath(plan.dest);
  const under = (name: string) => (destName ? `${destName}/${name}` : name);
  for (const { pattern, from } of plan.sources) {
    const matches = matchPattern(from.root, pattern).filter((p) => !from.ignored?.(p, false) || from.root.stat(p, true)?.isDirectory());
    if (matches.length === 0) throw new BunkerError(`failed to compute cache key: "${pattern}" not found in the build context (or excluded by .dockerignore)`, 1);
    for (const path of matches) {
      const fd = from.root.lookup(path, true);
      if (fd === null) continue;
      try {
        const isDir = fs.fstatSync(fd).isDirectory();
        const archive = !isDir && plan.unpackArchives ? await plan.unpackArchives(fdPath(fd)) : null;
        if (archive) {
          const root = RootFs.open(archive);
          try {
            yield* owned(treeEntries({ fd: root.fd }, destName), plan, `${destName}/`);
          } finally {
            root.close();
          }
          continue;
        }
        const skip = from.ignored ? (rel: string, d: boolean) => from.ignored!(path ? `${path}/${rel}` : rel, d) : undefined;
        const name = isDir ? destName : plan.destIsDir ? under(posix.basename(path)) : destName;
        // A directory's contents go into the destination, whose own entry comes with the parents.
        yield* owned(treeEntries({ fd }, name, { skip }), plan, isDir ? `${name}/` : undefined);
      } finally {
        fs.closeSync(fd);
      }
    }
  }
  for (const file of plan.inline) {
    const name = plan.destIsDir ? under(file.name) : destName;
    const data = fs.readFileSync(file.path);
    yield* owned([{ name, data, header: { type: "file", mode: file.mode, mtime: new Date(0) } }], plan);
  }
}

async function* owned(entries: AsyncIterable<TarEntry> | TarEntry[], plan: CopyPlan, skipName?: string): AsyncGenerator<TarEntry> {
  for await (const e of entries) {
    if (e.name === skipName) continue;
    const header = { ...e.header, uid: plan.owner?.uid ?? 0, gid: plan.owner?.gid ?? 0 };
    if (plan.mode !== undefined && header.type !== "symlink") header.mode = plan.mode;
    yield { ...e, header };
  }
}

/** A digest of entries (names, types, owners, modes, link targets, contents; not times): what a COPY's cache key holds. */
export async function hashEntries(entries: AsyncIterable<TarEntry>): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const e of entries) {
    const { mtime: _, ...meta } = e.header ?? {};
    h.update(JSON.stringify([e.name, meta]));
    if ("data" in e) h.update(e.data);
    else for await (const chunk of e.open()) h.update(chunk);
    h.update("\0");
  }
  return h.digest("hex");
}
