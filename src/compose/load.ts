// Loading a compose project: find the files, read .env, parse the YAML,
// interpolate, merge (-f …, include, extends), check the result against the
// schema, apply profiles, and name the project.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { BunkerError } from "../lib/errors.ts";
import { readDotenv } from "./dotenv.ts";
import { checkGraph } from "./graph.ts";
import { type Environment, interpolateTree } from "./interpolate.ts";
import { mergeNodes } from "./merge.ts";
import { rejectUnsupported } from "./unsupported.ts";
import { type ComposeFile, ComposeFileSchema, deepestIssue, describeIssue, type ServiceSpec } from "./schema.ts";

export const DEFAULT_FILES = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

export interface LoadOptions {
  /** -f, in order; empty: the default names in the working directory (or a parent). */
  files: string[];
  /** -p */
  projectName?: string;
  /** --project-directory */
  projectDirectory?: string;
  /** --env-file, in order; empty: <project dir>/.env if it exists. */
  envFiles: string[];
  /** --profile (and COMPOSE_PROFILES). */
  profiles: string[];
  cwd: string;
  env: Environment;
}

export interface Project {
  name: string;
  directory: string;
  files: string[];
  /** The interpolation environment: the shell's over the .env file's. */
  env: Environment;
  /** Enabled services only (profiles applied), by name. */
  services: Record<string, ServiceSpec>;
  /** Every service in the files, enabled or not (`config --profiles`, `run` of a disabled one). */
  allServices: Record<string, ServiceSpec>;
  networks: NonNullable<ComposeFile["networks"]>;
  volumes: NonNullable<ComposeFile["volumes"]>;
  secrets: NonNullable<ComposeFile["secrets"]>;
}

/** The first default file found here or in a parent, with its override file (compose.override.yaml …) when there is one. */
function findDefaultFiles(cwd: string): string[] {
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of DEFAULT_FILES) {
      if (!existsSync(join(dir, name))) continue;
      const override = join(dir, name.replace(/\.(ya?ml)$/, ".override.$1"));
      return existsSync(override) ? [join(dir, name), override] : [join(dir, name)];
    }
    if (dirname(dir) === dir) break;
  }
  throw new BunkerError(`no configuration file provided: not found (looked for ${DEFAULT_FILES.join(", ")})`, 1);
}

function parseYaml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new BunkerError(`open ${path}: no such file or directory`, 1);
  }
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (e) {
    throw new BunkerError(`${path}: ${(e as Error).message.split("\n")[0]}`, 1);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new BunkerError(`${path}: top-level object must be a mapping`, 1);
  return doc as Record<string, unknown>;
}

/** Compose's project name rule: lower case, only a-z, 0-9, _ and -, starting with a letter or digit. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");
}

interface RawFile {
  path: string;
  doc: Record<string, unknown>;
}

/** A file, interpolated, with its `include`s merged in first (an included file's services may not be redefined). */
function loadFile(path: string, env: Environment, seen: Set<string>): Record<string, unknown> {
  if (seen.has(path)) throw new BunkerError(`include cycle: ${[...seen, path].join(" -> ")}`, 1);
  const doc = interpolateTree(parseYaml(path), env) as Record<string, unknown>;
  const includes = (doc.include as unknown[] | undefined) ?? [];
  delete doc.include;
  let merged: Record<string, unknown> = {};
  for (const entry of includes) {
    const paths = typeof entry === "string" ? [entry] : ([] as string[]).concat((entry as { path: string | string[] }).path);
    for (const p of paths) {
      const included = loadFile(resolve(dirname(path), p), env, new Set([...seen, path]));
      for (const name of Object.keys((included.services as object) ?? {})) {
        if (name in ((doc.services as object) ?? {})) throw new BunkerError(`services.${name} conflicts with imported resource from ${p}`, 1);
      }
      merged = mergeNodes(merged, included) as Record<string, unknown>;
    }
  }
  return mergeNodes(merged, doc) as Record<string, unknown>;
}

function validate(doc: Record<string, unknown>, files: string[]): ComposeFile {
  const parsed = ComposeFileSchema.safeParse(doc);
  if (!parsed.success) throw new BunkerError(`validating ${files.join(", ")}: ${describeIssue(deepestIssue(parsed.error.issues))}`, 1);
  return parsed.data;
}

/** `extends`: the service merged over the one it extends (in this project, or in another file), recursively. */
function resolveExtends(services: Record<string, Record<string, unknown>>, directory: string, env: Environment): void {
  const resolving = new Set<string>();
  const resolveOne = (name: string, pool: Record<string, Record<string, unknown>>, dir: string): Record<string, unknown> => {
    const service = pool[name];
    if (!service) throw new BunkerError(`cannot extend service "${name}": no such service`, 1);
    const ext = service.extends as string | { service: string; file?: string } | undefined;
    if (!ext) return service;
    const key = `${dir}:${name}`;
    if (resolving.has(key)) throw new BunkerError(`circular reference with extends in service ${name}`, 1);
    resolving.add(key);
    const { service: baseName, file } = typeof ext === "string" ? { service: ext, file: undefined } : ext;
    let base: Record<string, unknown>;
    if (file) {
      const path = resolve(dir, file);
      const other = (loadFile(path, env, new Set()).services ?? {}) as Record<string, Record<string, unknown>>;
      base = resolveOne(baseName, other, dirname(path));
    } else {
      base = resolveOne(baseName, pool, dir);
    }
    resolving.delete(key);
    const { extends: _, ...own } = service;
    const { depends_on: _d, ...inherited } = base; // as the specification says, dependencies are not inherited
    return mergeNodes(inherited, own) as Record<string, unknown>;
  };
  for (const name of Object.keys(services)) services[name] = resolveOne(name, services, directory);
}

function applyProfiles(services: Record<string, ServiceSpec>, active: string[], requested: string[]): Record<string, ServiceSpec> {
  const enabled = (name: string, s: ServiceSpec) =>
    !s.profiles?.length || active.includes("*") || s.profiles.some((p) => active.includes(p)) || requested.includes(name);
  return Object.fromEntries(Object.entries(services).filter(([name, s]) => enabled(name, s)));
}

/** Loads the project; `requested` services are enabled even when their profile is not (as `compose run svc` does). */
export function loadProject(opts: LoadOptions, requested: string[] = []): Project {
  const files = (opts.files.length ? opts.files : findDefaultFiles(opts.cwd)).map((f) => (isAbsolute(f) ? f : resolve(opts.cwd, f)));
  const directory = opts.projectDirectory ? resolve(opts.cwd, opts.projectDirectory) : dirname(files[0]);
  const envFiles = opts.envFiles.length ? opts.envFiles.map((f) => resolve(opts.cwd, f)) : [join(directory, ".env")].filter((f) => existsSync(f));
  let fileEnv: Environment = {};
  for (const f of envFiles) fileEnv = { ...fileEnv, ...readDotenv(f) };
  const env: Environment = { ...fileEnv, ...opts.env };

  let merged: Record<string, unknown> = {};
  for (const f of files) merged = mergeNodes(merged, loadFile(f, env, new Set())) as Record<string, unknown>;
  const services = (merged.services ?? {}) as Record<string, Record<string, unknown> | null>;
  for (const [name, s] of Object.entries(services)) if (s === null) services[name] = {};
  resolveExtends(services as Record<string, Record<string, unknown>>, directory, env);
  const model = validate(merged, files);
  rejectUnsupported(model);

  const name = normalizeProjectName(opts.projectName ?? env.COMPOSE_PROJECT_NAME ?? model.name ?? basename(directory));
  if (!name) throw new BunkerError(`project name must not be empty: use -p NAME`, 1);
  const all = Object.fromEntries(Object.entries(model.services ?? {}).map(([n, s]) => [n, s ?? {}])) as Record<string, ServiceSpec>;
  for (const [n, s] of Object.entries(all)) {
    if (!s.image && !s.build) throw new BunkerError(`service "${n}" has neither an image nor a build context specified: invalid compose project`, 1);
  }
  checkGraph(all);
  const profiles = opts.profiles.length ? opts.profiles : (env.COMPOSE_PROFILES ?? "").split(",").filter(Boolean);
  return {
    name,
    directory,
    files,
    env,
    services: applyProfiles(all, profiles, requested),
    allServices: all,
    networks: model.networks ?? {},
    volumes: model.volumes ?? {},
    secrets: model.secrets ?? {},
  };
}
