// Untrusted JSON documents (manifests, configs, archive metadata): what is
// wrong with one becomes a one-line error, never a parser's stack.
import type { z } from "zod";

export function parseJsonBytes(bytes: Uint8Array, notJson: () => Error): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw notJson();
  }
}

/** "<field path>: <problem>" for the first thing a schema refused. */
export function firstIssue(e: z.ZodError): string {
  const issue = e.issues[0];
  return `${issue.path.join(".") || "document"}: ${issue.message}`;
}
