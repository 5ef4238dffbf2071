// Docker's restart policies, decided when a container exits. With no daemon,
// "always" means "whenever it exits": nothing restarts containers at boot.
import { BunkerError } from "../lib/errors.ts";
import type { RestartPolicy } from "./container-create.ts";
import type { ContainerRecord } from "./container-store.ts";

export type { RestartPolicy };

/** `--restart no|always|unless-stopped|on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy | string {
  const [name, count, ...extra] = text.split(":");
  if (extra.length) return `invalid restart policy format: ${text}`;
  if (name === "on-failure") {
    const max = count === undefined ? 0 : Number(count);
    if (!Number.isInteger(max) || max < 0) return `maximum retry count must be a positive integer: ${count}`;
    return { Name: "on-failure", MaximumRetryCount: max };
  }
  if (name !== "no" && name !== "always" && name !== "unless-stopped") return `invalid restart policy: ${text}: use no, always, unless-stopped or on-failure[:max-retries]`;
  if (count !== undefined) return `maximum retry count cannot be used with restart policy '${name}'`;
  return { Name: name, MaximumRetryCount: 0 };
}

/** HostConfig.RestartPolicy as the daemon checks it ("" is "no"). */
export function checkRestartPolicy(p: RestartPolicy | null | undefined, autoRemove: boolean): RestartPolicy {
  const policy = { Name: p?.Name || "no", MaximumRetryCount: p?.MaximumRetryCount ?? 0 } as RestartPolicy;
  if (policy.MaximumRetryCount < 0) throw new BunkerError("invalid restart policy: maximum retry count cannot be negative");
  if (policy.Name !== "on-failure" && policy.MaximumRetryCount !== 0)
    throw new BunkerError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  if (autoRemove && policy.Name !== "no") throw new BunkerError("can't create 'autoremove' container with restart policy");
  return policy;
}

export function wantsRestart(record: ContainerRecord, exitCode: number): boolean {
  const policy = record.HostConfig.RestartPolicy;
  if (!policy || record.ManuallyStopped) return false;
  switch (policy.Name) {
    case "always":
    case "unless-stopped":
      return true;
    case "on-failure":
      return exitCode !== 0 && (policy.MaximumRetryCount === 0 || record.RestartCount < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** Docker's back-off: 100 ms, doubling on each quick failure, at most a minute; a run of 10 s or more starts over. */
export function restartDelayMs(record: ContainerRecord): number {
  const ran = Date.parse(record.State.FinishedAt) - Date.parse(record.State.StartedAt);
  if (ran >= 10_000) return 100;
  return Math.min(100 * 2 ** record.RestartCount, 60_000);
}
