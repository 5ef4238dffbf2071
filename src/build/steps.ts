// What each config-only instruction does to the image config, after
// substitution: ENV, LABEL, EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, CMD,
// ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD, MAINTAINER. Returns the text the
// history records (and the cache keys), and the change to make.
import { posix } from "node:path";
import type { ContainerConfig } from "../image/config.ts";
import { parseGoDuration } from "../engine/units.ts";
import { BunkerError } from "../lib/errors.ts";
import type { CommandForm, Instruction } from "./parser/ast.ts";
import { expandWord, type Vars } from "./parser/expand.ts";

export const DEFAULT_SHELL = ["/bin/sh", "-c"];

export type BuildConfig = ContainerConfig & { Shell?: string[]; OnBuild?: string[] | null };

/** A command form as argv: JSON as written, shell form through the stage's SHELL. */
export function commandArgv(form: CommandForm, config: BuildConfig): string[] {
  return "json" in form ? form.json : [...(config.Shell ?? DEFAULT_SHELL), form.shell];
}

export interface MetadataChange {
  createdBy: string;
  apply(c: BuildConfig): void;
}

export function metadataChange(ins: Instruction, vars: Vars, escape: string, config: BuildConfig): MetadataChange | null {
  const x = (w: string) => expandWord(w, vars, escape);
  switch (ins.kind) {
    case "ENV":
    case "LABEL": {
      const pairs = ins.pairs.map(([k, v]) => [x(k), x(v)] as const);
      const text = `${ins.kind} ${pairs.map(([k, v]) => `${k}=${v}`).join(" ")}`;
      if (ins.kind === "LABEL") return { createdBy: text, apply: (c) => void (c.Labels = { ...c.Labels, ...Object.fromEntries(pairs) }) };
      return {
        createdBy: text,
        apply: (c) => {
          const env = [...(c.Env ?? [])];
          for (const [k, v] of pairs) {
            const i = env.findIndex((e) => e.slice(0, e.indexOf("=")) === k);
            if (i >= 0) env[i] = `${k}=${v}`;
            else env.push(`${k}=${v}`);
          }
          c.Env = env;
        },
      };
    }
    case "EXPOSE": {
      const ports = ins.values.map(x).map((p) => (p.includes("/") ? p.toLowerCase() : `${p}/tcp`));
      return { createdBy: `EXPOSE map[${ports.map((p) => `${p}:{}`).join(" ")}]`, apply: (c) => void (c.ExposedPorts = { ...c.ExposedPorts, ...Object.fromEntries(ports.map((p) => [p, {}])) }) };
    }
    case "VOLUME": {
      const paths = ins.values.map(x);
      if (paths.some((p) => p === "")) throw new BunkerError("VOLUME specified can not be an empty string", 1);
      return { createdBy: `VOLUME [${paths.join(" ")}]`, apply: (c) => void (c.Volumes = { ...c.Volumes, ...Object.fromEntries(paths.map((p) => [p, {}])) }) };
    }
    case "WORKDIR": {
      const dir = posix.resolve(config.WorkingDir || "/", x(ins.value));
      return { createdBy: `WORKDIR ${dir}`, apply: (c) => void (c.WorkingDir = dir) };
    }
    case "USER": {
      const user = x(ins.value);
      return { createdBy: `USER ${user}`, apply: (c) => void (c.User = user) };
    }
    case "STOPSIGNAL": {
      const signal = x(ins.value);
      return { createdBy: `STOPSIGNAL ${signal}`, apply: (c) => void (c.StopSignal = signal) };
    }
    case "MAINTAINER":
      return { createdBy: `MAINTAINER ${ins.value}`, apply: () => {} };
    case "CMD":
    case "ENTRYPOINT": {
      const argv = commandArgv(ins.command, config);
      return {
        createdBy: `${ins.kind} ${JSON.stringify(argv)}`,
        apply: (c) => {
          if (ins.kind === "CMD") c.Cmd = argv;
          else {
            c.Entrypoint = argv;
            c.Cmd = null; // as docker: a new ENTRYPOINT drops the CMD inherited from the base
          }
        },
      };
    }
    case "SHELL":
      return { createdBy: `SHELL ${JSON.stringify(ins.shell)}`, apply: (c) => void (c.Shell = ins.shell) };
    case "ONBUILD":
      return { createdBy: `ONBUILD ${ins.text}`, apply: (c) => void (c.OnBuild = [...(c.OnBuild ?? []), ins.text]) };
    case "HEALTHCHECK": {
      const hc = ins.command === null ? { Test: ["NONE"] } : healthcheck(ins.command, ins.flags);
      return { createdBy: `HEALTHCHECK ${JSON.stringify(hc)}`, apply: (c) => void (c.Healthcheck = hc) };
    }
    default:
      return null;
  }
}

function healthcheck(test: string[], flags: Record<string, string[]>): NonNullable<ContainerConfig["Healthcheck"]> {
  const duration = (name: string) => (flags[name] ? { [name]: parseGoDuration(flags[name][0]) } : {});
  const d = { ...duration("interval"), ...duration("timeout"), ...duration("start-period"), ...duration("start-interval") };
  const retries = flags.retries ? Number(flags.retries[0]) : undefined;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) throw new BunkerError(`HEALTHCHECK --retries must be a whole number, got "${flags.retries[0]}"`, 1);
  return {
    Test: test,
    ...(d.interval !== undefined ? { Interval: d.interval } : {}),
    ...(d.timeout !== undefined ? { Timeout: d.timeout } : {}),
    ...(d["start-period"] !== undefined ? { StartPeriod: d["start-period"] } : {}),
    ...(d["start-interval"] !== undefined ? { StartInterval: d["start-interval"] } : {}),
    ...(retries !== undefined ? { Retries: retries } : {}),
  };
}
