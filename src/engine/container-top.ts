// `top`: the host's ps, cut down to the container's processes (those in its
// cgroup), as docker's daemon does it.
import { BunkerError, DaemonError } from "../lib/errors.ts";
import { cgroupPids } from "../runtime/cgroups.ts";
import type { Engine } from "./engine.ts";
import { runningContainer } from "./exec-container.ts";
import { cgroupPath } from "./runtime-spec.ts";

export interface ProcessTable {
  titles: string[];
  processes: string[][];
}

/** Runs `ps ARGS` (default -ef) and keeps the header and the lines whose PID is the container's. */
export function containerProcesses(engine: Engine, ref: string, psArgs: string[]): ProcessTable {
  const record = runningContainer(engine, ref);
  const pids = new Set(cgroupPids(cgroupPath(record.Id)));
  let ps;
  try {
    ps = Bun.spawnSync(["ps", ...(psArgs.length > 0 ? psArgs : ["-ef"])], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch {
    throw new BunkerError("ps is not installed on this host: bunker top runs the host's ps", 1);
  }
  if (ps.exitCode !== 0) throw new DaemonError(`ps: ${ps.stderr.toString().trim() || `exit status ${ps.exitCode}`}`);
  return parsePs(ps.stdout.toString(), pids);
}

/** docker's parsePSOutput: the last column (the command) keeps its spaces. */
export function parsePs(output: string, pids: Set<number>): ProcessTable {
  const [header = "", ...lines] = output.split("\n");
  const titles = header.trim().split(/\s+/);
  const pidIndex = titles.indexOf("PID");
  if (pidIndex < 0) throw new DaemonError("Couldn't find PID field in ps output");
  const processes: string[][] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (line.trim() === "" || !pids.has(Number(fields[pidIndex]))) continue;
    processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(" ")]);
  }
  return { titles, processes };
}
