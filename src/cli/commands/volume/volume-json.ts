import type { VolumeRecord } from "../../../engine/volume-store.ts";

/** A volume as inspect shows it: Anonymous is bunker's bookkeeping (docker shows its label instead). */
export function volumeInspect(v: VolumeRecord): Omit<VolumeRecord, "Anonymous"> {
  const { Anonymous: _, ...shown } = v;
  return shown;
}
