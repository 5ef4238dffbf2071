// Where state lives. --root/BUNKER_ROOT moves everything, so each test can use
// its own root and run in parallel with the others.
import { join } from "node:path";
import { makeDir, PRIVATE_DIR_MODE, STATE_DIR_MODE } from "./modes.ts";

export interface StateDirs {
  /** Persistent state: images, layers, containers. */
  root: string;
  /** Runtime state that must not survive a reboot (tmpfs under the default root). */
  runRoot: string;
  /** Compiled native helpers and other rebuildable files. */
  cache: string;
}

export const DEFAULT_ROOT = "/var/lib/bunker";
export const DEFAULT_RUN_ROOT = "/run/bunker";

export function stateDirs(flagRoot?: string, flagRunRoot?: string): StateDirs {
  const root = flagRoot || process.env.BUNKER_ROOT || DEFAULT_ROOT;
  const runRoot = flagRunRoot || process.env.BUNKER_RUNROOT || (root === DEFAULT_ROOT ? DEFAULT_RUN_ROOT : join(root, "run"));
  return { root, runRoot, cache: join(root, "cache") };
}

/** Makes the roots, if missing, with modes that shut other users out (see modes.ts); before anything writes into them. */
export function makeStateDirs(dirs: StateDirs): void {
  makeDir(dirs.root, STATE_DIR_MODE);
  makeDir(dirs.runRoot, PRIVATE_DIR_MODE);
}
