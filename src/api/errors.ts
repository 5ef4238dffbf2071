// Errors as the Engine API answers them: a status code and {"message": …}.
// Handlers throw bunker's typed errors (src/lib/errors.ts); this maps each
// class to the status dockerd gives the same failure.
import { BunkerError, ConflictError, ForbiddenError, InvalidParameterError, NotFoundError, NotModifiedError, UsageError } from "../lib/errors.ts";

/** An error that already knows its HTTP status (bad parameter, page not found, …). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const SWARM_MESSAGE = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

/** dockerd's status for a thrown error; anything untyped is an engine bug, a 500. */
export function errorStatus(e: unknown): number {
  if (e instanceof ApiError) return e.status;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof ConflictError) return 409;
  if (e instanceof ForbiddenError) return 403;
  if (e instanceof NotModifiedError) return 304;
  if (e instanceof UsageError || e instanceof InvalidParameterError) return 400;
  return 500;
}

/** The message a client sees: a typed error's own line; an engine bug's first line (never a stack). */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError || e instanceof BunkerError) return e.message;
  const err = e as Error & { code?: string; path?: string };
  return err?.code && err?.path ? `${err.code}: ${err.path}` : (err?.message ?? String(e)).split("\n")[0];
}
