// The modes of bunker's state, as docker keeps /var/lib/docker: only root may
// list or read it. It holds `-e` values (container.json, the OCI config.json)
// and every container's output (the json logs). The root alone would shut
// others out; the inner modes hold even where a root was loosened by hand.
// `system check` reports a mode wider than these and `--repair` narrows it.
//
// Modes are set explicitly (chmod after mkdir, fchmod after open), so the
// caller's umask can neither widen nor narrow them.
import { chmodSync, mkdirSync } from "node:fs";

/** The state root and the containers' directories: root only, group root may pass through (docker's 0710). */
export const STATE_DIR_MODE = 0o710;
/** Directories nobody else has any business in: the run root, volumes/. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files that hold secrets: container.json, the OCI config.json, the json logs. */
export const SECRET_FILE_MODE = 0o600;
/** What a container's users see (reached through mounts, not through the store): a layer's and the upper dir's root (the container's "/"), a volume's _data. */
export const OPEN_DIR_MODE = 0o755;
/** The /etc files a container gets bind-mounted (no secret in them), as docker's. */
export const OPEN_FILE_MODE = 0o644;

/** Makes DIR (and missing parents) and gives a DIR it made exactly MODE; an existing DIR keeps its mode. */
export function makeDir(dir: string, mode: number): void {
  if (mkdirSync(dir, { recursive: true, mode }) !== undefined) chmodSync(dir, mode);
}
