// `run`: create, then start attached (or detached with -d).
import { trace } from "../lib/trace.ts";
import { type CreateOptions, createContainer } from "./create-container.ts";
import type { Engine } from "./engine.ts";
import { startContainer } from "./start-container.ts";

export interface RunResult {
  id: string;
  /** The container's exit code when attached; 0 when detached. */
  exitCode: number;
}

export async function runContainer(engine: Engine, opts: CreateOptions, detach: boolean, detachKeys?: number[]): Promise<RunResult> {
  const { Id: id } = createContainer(engine, { ...opts, stdinOnce: opts.interactive && !detach });
  trace("container created");
  const exitCode = await startContainer(engine, id, { attach: !detach, interactive: opts.interactive, detachKeys });
  return { id, exitCode };
}
