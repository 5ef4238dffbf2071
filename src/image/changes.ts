// `import --change` / `commit --change`: the Dockerfile instructions that
// only touch the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL).
import { BunkerError } from "../lib/errors.ts";
import type { ContainerConfig } from "./config.ts";

/** JSON (exec) form if it parses as a string array, else shell form. */
function commandForm(value: string): string[] {
  if (value.startsWith("[")) {
    try {
      const parsed = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === "string")) return parsed;
    } catch {
      // not JSON: docker falls back to the shell form
    }
  }
  return ["/bin/sh", "-c", value];
}

/** Parses `k=v k2="v 2"` pairs, or the legacy `k v` form with a single pair. */
function keyValues(value: string, instruction: string): [string, string][] {
  if (!/^("(?:[^"\\]|\\.)*"|[^\s=]+)=/.test(value)) {
    const m = value.match(/^(\S+)\s+(.*)$/);
    if (!m) throw new BunkerError(`${instruction} needs KEY=VALUE, got "${value}"`);
    return [[m[1], m[2]]];
  }
  const pairs: [string, string][] = [];
  // A key may be quoted too, as in LABEL "com.example.key"=v: docker strips the quotes.
  const re = /(?:"((?:[^"\\]|\\.)*)"|([^\s=]+))=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  const unescape = (q: string) => q.replace(/\\(.)/g, "$1");
  for (const m of value.matchAll(re)) pairs.push([m[1] !== undefined ? unescape(m[1]) : m[2], m[3] !== undefined ? unescape(m[3]) : (m[4] ?? m[5] ?? "")]);
  return pairs;
}

export function applyChange(config: ContainerConfig, change: string): void {
  const m = change.trim().match(/^(\w+)\s*(.*)$/s);
  if (!m) throw new BunkerError(`invalid --change "${change}": expected an instruction such as CMD or ENV`);
  const instruction = m[1].toUpperCase();
  const value = m[2].trim();
  switch (instruction) {
    case "CMD":
      config.Cmd = commandForm(value);
      return;
    case "ENTRYPOINT":
      config.Entrypoint = commandForm(value);
      return;
    case "ENV": {
      const env = config.Env ?? [];
      for (const [k, v] of keyValues(value, "ENV")) {
        const i = env.findIndex((e) => e.split("=")[0] === k);
        if (i >= 0) env[i] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      config.Env = env;
      return;
    }
    case "LABEL":
      config.Labels = { ...config.Labels, ...Object.fromEntries(keyValues(value, "LABEL")) };
      return;
    case "WORKDIR":
      config.WorkingDir = value;
      return;
    case "USER":
      config.User = value;
      return;
    case "STOPSIGNAL":
      config.StopSignal = value;
      return;
    case "EXPOSE":
      config.ExposedPorts = { ...config.ExposedPorts };
      for (const p of value.split(/\s+/)) config.ExposedPorts[p.includes("/") ? p : `${p}/tcp`] = {};
      return;
    case "VOLUME": {
      config.Volumes = { ...config.Volumes };
      const list = value.startsWith("[") ? (JSON.parse(value) as string[]) : value.split(/\s+/);
      for (const v of list) config.Volumes[v] = {};
      return;
    }
    default:
      throw new BunkerError(`invalid --change "${change}": ${instruction} is not supported (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR or STOPSIGNAL)`);
  }
}
