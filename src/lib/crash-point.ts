// Fault tests kill bunker at a chosen step to play a crash window for real:
// with BUNKER_CRASH_AT=<step>, crashPoint(<step>) sends SIGKILL to this very
// process (no cleanup, no finally blocks, as a power cut or OOM kill would).
// Inert unless the variable is set; every step name is listed in docs/storage.md.
const target = process.env.BUNKER_CRASH_AT;

export function crashPoint(step: string): void {
  if (target === step) process.kill(process.pid, "SIGKILL");
}
