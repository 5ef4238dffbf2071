// Docker's security settings: --cap-add/--cap-drop, --privileged,
// --security-opt, --ulimit and --oom-score-adj, from flags to HostConfig
// (create) and from HostConfig to the runtime spec (start).
import { mkdirSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { BUILD_INFO } from "../build-info.ts";
import { writeFileAtomic } from "../lib/atomic.ts";
import { BunkerError } from "../lib/errors.ts";
import { normalizeCapabilities, tweakCapabilities } from "../runtime/capabilities.ts";
import { checkUlimit, parseUlimit, rlimitType, UNLIMITED, type Ulimit } from "../runtime/rlimits.ts";
import type { SeccompProfile } from "../runtime/seccomp/index.ts";
import { prepareSeccompBpf } from "../runtime/seccomp-files.ts";
import type { RuntimeSpec, SpecSeccomp } from "../runtime/spec.ts";
import type { ContainerRecord } from "./container-store.ts";

type HostConfig = ContainerRecord["HostConfig"];

export interface SecurityFlags {
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  securityOpt: string[];
  ulimits: string[];
  oomScoreAdj?: number;
}

export type SecurityConfig = Pick<HostConfig, "CapAdd" | "CapDrop" | "Privileged" | "SecurityOpt" | "Ulimits" | "OomScoreAdj">;

/** The HostConfig fields for the security flags, validated as `docker create` does. */
export function securityHostConfig(f: SecurityFlags): SecurityConfig {
  return checkSecurity({
    CapAdd: f.capAdd,
    CapDrop: f.capDrop,
    Privileged: f.privileged,
    SecurityOpt: f.securityOpt.map(readSeccompFile),
    Ulimits: f.ulimits.map(parseUlimit),
    OomScoreAdj: f.oomScoreAdj,
  });
}

/** The create body's security fields, checked and in the form the record keeps. */
export function checkSecurity(hc: Partial<{ [K in keyof SecurityConfig]: SecurityConfig[K] | null }>): SecurityConfig {
  const oom = hc.OomScoreAdj ?? 0;
  if (!Number.isInteger(oom) || oom < -1000 || oom > 1000) throw new BunkerError(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  // Docker keeps the last --ulimit of each name.
  const ulimits = new Map<string, Ulimit>();
  for (const u of hc.Ulimits ?? []) ulimits.set(u.Name, checkUlimit(u));
  const capAdd = hc.CapAdd ?? [];
  const capDrop = hc.CapDrop ?? [];
  const opts = hc.SecurityOpt ?? [];
  return {
    CapAdd: capAdd.length > 0 ? normalizeCapabilities(capAdd, "CapAdd") : null,
    CapDrop: capDrop.length > 0 ? normalizeCapabilities(capDrop, "CapDrop") : null,
    Privileged: hc.Privileged ?? false,
    SecurityOpt: opts.length > 0 ? opts.map(securityOption) : null,
    Ulimits: ulimits.size > 0 ? [...ulimits.values()] : null,
    OomScoreAdj: oom,
  };
}

/**
 * `--security-opt seccomp=FILE`: the docker CLI sends the file's content, so
 * the profile a container keeps is the one it was created with.
 */
function readSeccompFile(opt: string): string {
  const m = /^seccomp[=:](.+)$/.exec(opt);
  if (!m || m[1] === "unconfined" || m[1] === "builtin") return opt;
  let text: string;
  try {
    text = readFileSync(m[1], "utf8");
  } catch (e) {
    throw new BunkerError(`opening seccomp profile (${m[1]}) failed: ${(e as Error).message}`);
  }
  // The JSON is checked here; the profile's schema when the container starts (prepareSecurity), so
  // that `run` does not load the profile code unless the profile is new.
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BunkerError(`seccomp profile ${m[1]} is not valid JSON`);
  }
  return `seccomp=${JSON.stringify(json)}`;
}

/**
 * One SecurityOpt, as the daemon takes it: `KEY=VALUE` (or the old
 * `KEY:VALUE`), or a bare `no-new-privileges`; a seccomp profile is its JSON.
 * AppArmor and SELinux labels are accepted and have no effect (bunker uses neither).
 */
function securityOption(opt: string): string {
  if (opt === "no-new-privileges") return opt;
  const sep = opt.includes("=") ? "=" : ":";
  const i = opt.indexOf(sep);
  const key = i < 0 ? opt : opt.slice(0, i);
  const value = i < 0 ? "" : opt.slice(i + 1);
  if (i < 0 || value === "") throw new BunkerError(`invalid --security-opt: "${opt}"`);
  switch (key) {
    case "seccomp": {
      if (value === "unconfined" || value === "builtin") return `seccomp=${value}`;
      try {
        return `seccomp=${JSON.stringify(JSON.parse(value))}`;
      } catch {
        throw new BunkerError("Decoding seccomp profile failed: the seccomp security option holds the profile's JSON");
      }
    }
    case "no-new-privileges":
      if (!["true", "false", "1", "0"].includes(value)) throw new BunkerError(`invalid --security-opt: "${opt}"`);
      return `no-new-privileges=${value === "true" || value === "1"}`;
    case "systempaths":
      if (value !== "unconfined") throw new BunkerError(`invalid --security-opt: "${opt}": systempaths can only be unconfined`);
      return `systempaths=${value}`;
    case "apparmor":
    case "label":
      return `${key}=${value}`;
    default:
      throw new BunkerError(`invalid --security-opt: "${opt}"`);
  }
}

/** The value of the last `KEY=...` security option, if any. */
function option(hc: HostConfig, key: string): string | undefined {
  let found: string | undefined;
  for (const o of hc.SecurityOpt ?? []) {
    if (o === key) found = "true";
    else if (o.startsWith(`${key}=`)) found = o.slice(key.length + 1);
  }
  return found;
}

/**
 * Capabilities, no_new_privs, rlimits, OOM score, seccomp and the privileged
 * relaxations, applied to a spec that has Docker's defaults otherwise.
 */
export function applySecurity(spec: RuntimeSpec, c: ContainerRecord, cacheDir: string): void {
  const hc = c.HostConfig;
  spec.process.capabilities = processCapabilities(tweakCapabilities(hc.CapAdd ?? [], hc.CapDrop ?? [], hc.Privileged), spec.process.user.uid);
  if (option(hc, "no-new-privileges") === "true") spec.process.noNewPrivileges = true;
  if (hc.Ulimits?.length) {
    const value = (v: number) => (v < 0 ? UNLIMITED : v);
    spec.process.rlimits = hc.Ulimits.map((u) => ({ type: rlimitType(u.Name), hard: value(u.Hard), soft: value(u.Soft) }));
  }
  // Only when asked: otherwise the container keeps bunker's own score, and the start skips a write.
  if (hc.OomScoreAdj) spec.process.oomScoreAdj = hc.OomScoreAdj;

  if (hc.Privileged || option(hc, "systempaths") === "unconfined") {
    spec.linux.maskedPaths = [];
    spec.linux.readonlyPaths = [];
  }
  if (hc.Privileged) {
    // Docker mounts /sys read-write for a privileged container. Its devices (every
    // host node, no device cgroup) are the device code's part: it reads HostConfig.Privileged.
    spec.mounts = spec.mounts?.map((m) => (m.destination === "/sys" ? { ...m, options: m.options?.filter((o) => o !== "ro") } : m));
    return; // and no seccomp, even with a profile given (as Docker)
  }
  const input = seccompInput(c);
  if (input) spec.linux.seccomp = resolvedSeccomp(cacheDir, input.profileText, input.caps);
}

/** As moby's SetCapabilities: a non-root user gets only the bounding set, as execve would leave it. */
export function processCapabilities(caps: string[], uid: number): NonNullable<RuntimeSpec["process"]["capabilities"]> {
  return uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps };
}

// Bump when the resolved form changes for the same input.
const FORMAT = 1;

/**
 * A Docker profile (null: the default one) resolved for this container into
 * OCI's linux.seccomp: the rules whose includes/excludes match its
 * capabilities (the bounding set, as moby does) and this kernel, and the
 * architectures of this host. Validating and resolving the profile costs a
 * cold process several ms (zod), so it is done once, by prepareSecurity, and
 * cached by input; a start only reads the result.
 */
export function resolvedSeccomp(cacheDir: string, profileText: string | null, caps: string[]): SpecSeccomp {
  try {
    return JSON.parse(readFileSync(seccompSpecPath(cacheDir, profileText, caps), "utf8"));
  } catch {
    throw new BunkerError("internal: the seccomp profile was not prepared before the start");
  }
}

function seccompSpecPath(cacheDir: string, profileText: string | null, caps: string[]): string {
  const source = profileText ?? defaultProfileIdentity();
  const key = new Bun.CryptoHasher("sha256").update(JSON.stringify([FORMAT, release(), [...caps].sort(), source])).digest("hex");
  return join(cacheDir, `seccomp-spec-${key}.json`);
}

/** The container's seccomp profile and bounding set, or null when it runs without seccomp. */
function seccompInput(c: ContainerRecord): { profileText: string | null; caps: string[] } | null {
  const hc = c.HostConfig;
  const seccomp = option(hc, "seccomp");
  if (hc.Privileged || seccomp === "unconfined") return null;
  return { profileText: seccomp === undefined || seccomp === "builtin" ? null : seccomp, caps: tweakCapabilities(hc.CapAdd ?? [], hc.CapDrop ?? [], hc.Privileged) };
}

/**
 * Fills the caches a start reads (the resolved profile and its compiled
 * filter) when they are missing, importing the profile code and compiler
 * (their own chunks of the executable) only then. Runs before the start
 * takes its locks.
 */
export async function prepareSecurity(c: ContainerRecord, cacheDir: string): Promise<void> {
  const input = seccompInput(c);
  if (!input) return;
  const resolved = await prepareSeccompSpec(cacheDir, input.profileText, input.caps);
  await prepareSeccompBpf(cacheDir, resolved, input.caps);
}

/** Resolves (and caches) a profile for a bounding set; what resolvedSeccomp then reads. */
export async function prepareSeccompSpec(cacheDir: string, profileText: string | null, caps: string[]): Promise<SpecSeccomp> {
  const file = seccompSpecPath(cacheDir, profileText, caps);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // not cached yet (or cut short by a crash): resolve it below
  }
  const m = await import("../runtime/seccomp/profile.ts");
  const profile = profileText === null ? m.defaultProfile() : m.parseProfile(profileText);
  const resolved = toOci(profile, m.applicableRules(profile, { capabilities: caps, kernel: release() }));
  mkdirSync(cacheDir, { recursive: true });
  writeFileAtomic(file, JSON.stringify(resolved), { durable: false });
  return resolved;
}

/**
 * Names Docker's default profile in the cache key. A build embeds one fixed
 * copy, so the build's identity will do, and saves evaluating and hashing
 * the 17 KB profile at every start; run from source, its content is used.
 */
function defaultProfileIdentity(): string {
  if (BUILD_INFO.built !== "dev") return `default profile of bunker ${BUILD_INFO.version} ${BUILD_INFO.commit} built ${BUILD_INFO.built}`;
  return readFileSync(join(import.meta.dir, "../runtime/seccomp/default.json"), "utf8");
}

const NATIVE_ARCH = "SCMP_ARCH_X86_64";

function toOci(profile: SeccompProfile, rules: SeccompProfile["syscalls"]): SpecSeccomp {
  const architectures = [...(profile.architectures ?? [])];
  for (const m of profile.archMap ?? []) if (m.architecture === NATIVE_ARCH) architectures.push(m.architecture, ...(m.subArchitectures ?? []));
  const out: SpecSeccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet != null) out.defaultErrnoRet = profile.defaultErrnoRet;
  if (architectures.length > 0) out.architectures = architectures;
  out.syscalls = rules.map((r) => {
    const rule: NonNullable<SpecSeccomp["syscalls"]>[number] = { names: r.names, action: r.action };
    if (r.errnoRet != null) rule.errnoRet = r.errnoRet;
    if (r.args?.length) rule.args = r.args;
    return rule;
  });
  return out;
}
