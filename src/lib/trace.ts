// BUNKER_TRACE=1 prints how long each phase of a command took, to stderr.
// Cheap enough to leave in: one env lookup when off.
const enabled = !!process.env.BUNKER_TRACE;
const start = performance.now();

export function trace(label: string): void {
  if (enabled) process.stderr.write(`[trace] ${(performance.now() - start).toFixed(2).padStart(7)} ms  ${label}\n`);
}
