// Typed errors that the CLI maps to Docker's exit codes. Anything thrown that is
// not a BunkerError is an engine bug, reported in one line with exit code 125.

/** An engine or usage error: one line for the user, exit code 125 (Docker's). */
export class BunkerError extends Error {
  constructor(
    message: string,
    readonly exitCode = 125,
  ) {
    super(message);
  }
}

/** A flag or argument error: the CLI adds "See 'bunker CMD --help'." Exit code 125, but 1 for an unknown command (docker's). */
export class UsageError extends BunkerError {
  constructor(
    message: string,
    readonly command = "",
    exitCode = 125,
  ) {
    super(message, exitCode);
  }
}

/** The container command could not be invoked (126) or was not found (127). */
export class ExecError extends BunkerError {}

export class NotFoundError extends BunkerError {}

/** The request clashes with the store's state (a name in use, an object in use): the API's 409. */
export class ConflictError extends BunkerError {}

/** The operation is never allowed on this object (removing a predefined network, or one with active endpoints): the API's 403. */
export class ForbiddenError extends BunkerError {}

/** The object is already in the asked-for state (start of a running container): the API's 304, no body. */
export class NotModifiedError extends BunkerError {}

/** What the docker CLI prints as its daemon's answer ("Error response from daemon: ..."), exit code 1 (exec, top). */
export class DaemonError extends BunkerError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A request the daemon refuses as malformed (a bad filter): the docker CLI's exit code 1, the API's 400. */
export class InvalidParameterError extends DaemonError {}
