// Telling a live process from a recycled pid, by its start time.
import { readFileSync } from "node:fs";

/**
 * The start time of a live process (clock ticks since boot), so a recycled pid
 * is never mistaken for our container. A zombie counts as gone: it has exited,
 * and only its parent's wait is missing.
 */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" || fields[0] === "X" ? null : Number(fields[19]);
  } catch {
    return null;
  }
}

/** The parent of a live process (0 if it is gone): how a container's init is told from the rest of its cgroup. */
export function parentPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Whether the process recorded as PID is still that process (not a recycled pid). */
export function isProcessAlive(pid: number, startTime: number | null | undefined): boolean {
  return pid > 0 && startTime != null && processStartTime(pid) === startTime;
}
