// What the prune commands share: the question before deleting anything, and the report after.
import { humanSize } from "./format.ts";

/** docker's PromptForConfirmation: the question on stdout, one line read from stdin (a pipe works too); only y or Y agrees. */
export async function confirm(warning: string): Promise<boolean> {
  process.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  let line = "";
  try {
    const reader = (Bun.stdin.stream() as ReadableStream<Uint8Array>).getReader();
    while (!line.includes("\n")) {
      const { done, value } = await reader.read();
      if (done) break;
      line += new TextDecoder().decode(value);
    }
    reader.releaseLock();
  } catch {
    return false; // no stdin at all: nobody agreed
  }
  const answer = line.split("\n")[0].trim();
  return answer === "y" || answer === "Y";
}

/** "Deleted Images:" (or Volumes) with one line each, if any. */
export function printPruneSection(what: string, lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`Deleted ${what}:\n${lines.map((l) => `${l}\n`).join("")}\n`);
}

/** One section, then the total. */
export function printPruneReport(what: string, lines: string[], reclaimed: number): void {
  printPruneSection(what, lines);
  printPruneTotal(reclaimed);
}

export function printPruneTotal(reclaimed: number): void {
  process.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
