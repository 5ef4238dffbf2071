// Docker's seccomp profile format (moby/profiles seccomp): schema, parsing, and the
// choice of rules that apply to one container. Everything here follows what moby's
// profile loader and runc do with the same file, so a profile that works with
// Docker works here and means the same.
import { release } from "node:os";
import { z } from "zod";
import { BunkerError } from "../../lib/errors.ts";
import embedded from "./default.json" with { type: "json" };

export const ACTIONS = [
  "SCMP_ACT_KILL",
  "SCMP_ACT_KILL_THREAD",
  "SCMP_ACT_KILL_PROCESS",
  "SCMP_ACT_TRAP",
  "SCMP_ACT_ERRNO",
  "SCMP_ACT_TRACE",
  "SCMP_ACT_ALLOW",
  "SCMP_ACT_LOG",
  "SCMP_ACT_NOTIFY",
] as const;
export const OPERATORS = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"] as const;
export type Action = (typeof ACTIONS)[number];
export type Operator = (typeof OPERATORS)[number];

// JSON numbers are doubles: above 2^53 the value in the file is not the value we
// would compare with, so such a value is refused instead of silently rounded.
const u64 = z.number().int().nonnegative().refine(Number.isSafeInteger, "must be an integer below 2^53 (larger values lose precision in JSON)");
const errno = z.number().int().min(0).max(0xffff);
// Go's encoding/json (moby) accepts null wherever a list or object may be absent.
const names = z.array(z.string()).nullish();
const MinKernel = z.string().regex(/^\d+\.\d+$/, 'must be "MAJOR.MINOR"');

const ArgSchema = z.object({
  index: z.number().int().min(0).max(5),
  value: u64,
  valueTwo: u64.optional(),
  op: z.enum(OPERATORS),
});

const FilterSchema = z.object({ caps: names, arches: names, minKernel: MinKernel.nullish() });

const SyscallSchema = z
  .object({
    names: names,
    name: z.string().optional(), // the pre-2016 single-name form, still accepted by moby
    action: z.enum(ACTIONS),
    errnoRet: errno.nullish(),
    args: z.array(ArgSchema).nullish(),
    comment: z.string().optional(),
    includes: FilterSchema.nullish(),
    excludes: FilterSchema.nullish(),
  })
  .transform(({ name, names, ...rest }) => ({ ...rest, names: [...(names ?? []), ...(name ? [name] : [])] }));

const ProfileSchema = z
  .object({
    defaultAction: z.enum(ACTIONS),
    defaultErrnoRet: errno.nullish(),
    architectures: z.array(z.string()).nullish(),
    archMap: z.array(z.object({ architecture: z.string(), subArchitectures: names })).nullish(),
    syscalls: z
      .array(SyscallSchema)
      .nullish()
      .transform((s) => s ?? []),
  })
  .refine((p) => !(p.architectures?.length && p.archMap?.length), "use either architectures or archMap, not both");

export type SeccompProfile = z.infer<typeof ProfileSchema>;
export type SyscallRule = SeccompProfile["syscalls"][number];
export type ArgCondition = z.infer<typeof ArgSchema>;

/** Parses and validates a profile file's text; anything wrong is one BunkerError line. */
export function parseProfile(json: string): SeccompProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new BunkerError(`seccomp profile is not valid JSON: ${(e as Error).message}`);
  }
  return validate(raw, "seccomp profile");
}

/** Docker's default profile (moby/profiles seccomp/default.json, embedded unchanged). */
export function defaultProfile(): SeccompProfile {
  return validate(embedded, "embedded default seccomp profile");
}

function validate(raw: unknown, what: string): SeccompProfile {
  const r = ProfileSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new BunkerError(`invalid ${what}: ${issue.path.join(".") || "document"}: ${issue.message}`);
}

export interface RuleContext {
  /** The container's effective capabilities, "CAP_..." names. */
  capabilities: readonly string[];
  /** The kernel release, as os.release() gives it. */
  kernel?: string;
}

// moby matches includes/excludes arches against Go's GOARCH of the engine, once,
// not per sub-architecture: on an x86_64 host a rule for ["amd64"] also applies to
// the i386 table. "x86_64" is accepted as an alias because people write it.
const NATIVE_ARCHES = new Set(["amd64", "x86_64"]);

/**
 * The profile's rules that apply to this container, in file order: includes.caps
 * needs all of its caps, excludes.caps drops the rule if any is present, arches are
 * matched against the host (amd64), minKernel against the running kernel.
 */
export function applicableRules(profile: SeccompProfile, { capabilities, kernel = release() }: RuleContext): SyscallRule[] {
  const caps = new Set(capabilities);
  const running = kernelVersion(kernel);
  const archMatches = (arches: string[] | null | undefined) => (arches ?? []).some((a) => NATIVE_ARCHES.has(a));
  return profile.syscalls.filter(({ includes: inc, excludes: exc }) => {
    if (exc) {
      if (archMatches(exc.arches)) return false;
      if ((exc.caps ?? []).some((c) => caps.has(c))) return false;
      if (exc.minKernel && atLeast(running, exc.minKernel)) return false;
    }
    if (inc) {
      if (inc.arches?.length && !archMatches(inc.arches)) return false;
      if (!(inc.caps ?? []).every((c) => caps.has(c))) return false;
      if (inc.minKernel && !atLeast(running, inc.minKernel)) return false;
    }
    return true;
  });
}

/** [major, minor] of a kernel release such as "6.1.0-18-amd64"; moby ignores the rest. */
function kernelVersion(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new BunkerError(`cannot read the kernel version from "${release}"`);
  return [Number(m[1]), Number(m[2])];
}

function atLeast([major, minor]: [number, number], min: string): boolean {
  const [wantMajor, wantMinor] = kernelVersion(min);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}
