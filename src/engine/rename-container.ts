// `rename`: a new name for a container, running or not (docker checks as its daemon does).
import { BunkerError, ConflictError, UsageError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { isValidName } from "./names.ts";

export function renameContainer(engine: Engine, ref: string, newName: string): void {
  const to = newName.startsWith("/") ? newName.slice(1) : newName;
  const id = engine.containers.resolve(ref);
  engine.containers.withLock(id, () => {
    const from = engine.containers.load(id).Name.slice(1);
    if (from === to) throw new UsageError("Renaming a container with the same name as its current name", "", 125);
    try {
      if (!isValidName(to)) throw new UsageError(`Invalid container name (/${to}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, "", 125);
      engine.containers.rename(id, from, to);
      containerEvent(engine, engine.containers.load(id), "rename", { oldName: `/${from}` });
    } catch (e) {
      // The API's status follows the cause: a bad name 400, a name in use 409.
      if (e instanceof BunkerError) throw new (e instanceof UsageError ? UsageError : ConflictError)(`Error when allocating new name: ${e.message}`);
      throw e;
    }
  });
}
