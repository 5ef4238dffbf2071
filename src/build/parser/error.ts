import { BunkerError } from "../../lib/errors.ts";

/** A Dockerfile mistake, located: "Dockerfile:7: unknown instruction: RUNN". Exit code 1, as docker build. */
export class DockerfileError extends BunkerError {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`, 1);
  }
}
