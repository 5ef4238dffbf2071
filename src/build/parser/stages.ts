// Instructions -> build stages: the ARGs before the first FROM (which only
// FROM lines see, unless a stage declares them again), each stage's base and
// name, and which stages a target needs (its base chain and the stages it
// copies or mounts from), so nothing else is built.
import type { Dockerfile, Instruction } from "./ast.ts";
import { BunkerError } from "../../lib/errors.ts";
import { DockerfileError } from "./error.ts";
import { expandWord } from "./expand.ts";

export interface Stage {
  index: number;
  name?: string;
  /** The FROM image after substitution with the global ARGs: an image, a stage name, or "scratch". */
  base: string;
  platform?: string;
  from: Extract<Instruction, { kind: "FROM" }>;
  instructions: Instruction[];
}

export interface Plan {
  /** The ARGs before the first FROM, with values from --build-arg or their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function planStages(df: Dockerfile, buildArgs: ReadonlyMap<string, string>, file = "Dockerfile"): Plan {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of df.instructions) {
    if (ins.kind === "FROM") {
      const base = expandWord(ins.image, globalArgs, df.escape);
      if (base === "") throw new DockerfileError(file, ins.line, `base name (${ins.image}) should not be blank`);
      const platform = ins.flags.platform?.[0];
      stages.push({ index: stages.length, ...(ins.name ? { name: ins.name } : {}), base, ...(platform ? { platform: expandWord(platform, globalArgs, df.escape) } : {}), from: ins, instructions: [] });
    } else if (stages.length === 0) {
      // Only ARG can come here (parseDockerfile checked).
      for (const a of (ins as Extract<Instruction, { kind: "ARG" }>).args) {
        const value = buildArgs.get(a.name) ?? (a.value !== undefined ? expandWord(a.value, globalArgs, df.escape) : undefined);
        if (value !== undefined) globalArgs.set(a.name, value);
        else globalArgs.delete(a.name);
      }
    } else stages.at(-1)!.instructions.push(ins);
  }
  const names = new Set<string>();
  for (const s of stages) {
    if (s.name && names.has(s.name)) throw new DockerfileError(file, s.from.line, `duplicate stage name "${s.name}"`);
    if (s.name) names.add(s.name);
  }
  return { globalArgs, stages };
}

/** The stage a `--from=` or FROM names (by name or index), if it is one defined before `before`. */
export function stageNamed(stages: Stage[], ref: string, before: number): Stage | undefined {
  const lower = ref.toLowerCase();
  const byName = stages.find((s) => s.name === lower && s.index < before);
  if (byName) return byName;
  return /^\d+$/.test(ref) && Number(ref) < before ? stages[Number(ref)] : undefined;
}

/** The target stage (--target, else the last). */
export function targetStage(plan: Plan, target: string | undefined): Stage {
  if (target === undefined) return plan.stages.at(-1)!;
  const found = plan.stages.find((s) => s.name === target.toLowerCase());
  if (!found) throw new BunkerError(`target stage "${target}" could not be found: name one of the Dockerfile's FROM … AS stages`, 1);
  return found;
}

/** The stages a `--from=` of an instruction refers to (COPY --from, RUN --mount=from=). */
export function referencedFrom(ins: Instruction): string[] {
  if (ins.kind === "COPY") return ins.flags.from ?? [];
  if (ins.kind === "RUN")
    return (ins.flags.mount ?? []).flatMap((m) => m.split(",").filter((kv) => kv.startsWith("from=")).map((kv) => kv.slice(5)));
  return [];
}
