// Ctrl-C (or SIGTERM) during a build: the step's container is killed (its
// shell is PID 1 in its namespace, which ignores a forwarded SIGINT), the step
// cleans up as on any failure, and the build ends with no image.
import { killContainer } from "../engine/container-exit.ts";
import type { Engine } from "../engine/engine.ts";
import { BunkerError } from "../lib/errors.ts";

export class Cancellation {
  private cancelled = false;
  /** The RUN step's container while it may be running. */
  private container?: string;
  private readonly onSignal = () => {
    this.cancelled = true;
    if (this.container) this.kill(this.container);
  };

  constructor(private readonly engine: Engine) {
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
  }

  dispose(): void {
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }

  /** Throws once the build was cancelled: checked between steps and before a container starts. */
  check(): void {
    if (this.cancelled) throw new BunkerError("build canceled", 130);
  }

  /** Runs a step's container, killed if the build is cancelled meanwhile. */
  async running<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.check();
    this.container = id;
    try {
      return await fn();
    } finally {
      this.container = undefined;
      this.check();
    }
  }

  private kill(id: string): void {
    try {
      killContainer(this.engine, id, "KILL");
    } catch {
      // not started yet (check() stops it) or already gone
    }
  }
}
