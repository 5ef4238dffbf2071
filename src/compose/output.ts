// What compose prints while it works: one line per resource and step on
// stderr (" Container app-web-1  Started"), and, for `up` and `logs`, the
// containers' lines prefixed with their names, coloured on a terminal.

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];
const useColour = () => process.stdout.isTTY === true && !process.env.NO_COLOR;

export function progress(kind: "Container" | "Network" | "Volume" | "Image", name: string, status: string): void {
  process.stderr.write(` ${kind} ${name}  ${status}\n`);
}

/** A prefixer per container name, padded to the longest so the lines align ("app-web-1  | …"). */
export function linePrefixes(names: string[]): (name: string) => string {
  const width = Math.max(0, ...names.map((n) => n.length));
  const colour = new Map(names.map((n, i) => [n, COLOURS[i % COLOURS.length]]));
  return (name) => {
    const label = `${name.padEnd(width)} | `;
    return useColour() ? `\x1b[${colour.get(name) ?? 0}m${label}\x1b[0m` : label;
  };
}

let quiet = false;

/** Output whose reader went away (a closed pipe) is dropped, as the stack still has to be stopped cleanly. */
export function tolerateClosedOutput(): void {
  if (quiet) return;
  quiet = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
  }
}
