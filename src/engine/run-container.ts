// `run`: create, then start attached (or detached with -d).
import { trace } from "../lib/trace.ts";
import type { ContainerCreateInput } from "./container-create.ts";
import { type CreateOptions, createContainer } from "./create-container.ts";
import type { Engine } from "./engine.ts";
import { startContainer } from "./start-container.ts";

export interface RunResult {
  id: string;
  /** The container's exit code when attached; 0 when detached. */
  exitCode: number;
}

export async function runContainer(engine: Engine, body: ContainerCreateInput, opts: CreateOptions, detach: boolean, detachKeys?: number[]): Promise<RunResult> {
  // As the docker CLI's run: an attached -i closes the container's stdin when the client's closes.
  const { Id: id } = createContainer(engine, { ...body, StdinOnce: (body.OpenStdin ?? false) && !detach }, opts);
  trace("container created");
  const exitCode = await startContainer(engine, id, { attach: !detach, interactive: body.OpenStdin ?? false, detachKeys });
  return { id, exitCode };
}
