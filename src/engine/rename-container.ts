// `rename`: a new name for a container, running or not (docker checks as its daemon does).
import { BunkerError } from "../lib/errors.ts";
import type { Engine } from "./engine.ts";
import { containerEvent } from "./events.ts";
import { isValidName } from "./names.ts";

export function renameContainer(engine: Engine, ref: string, newName: string): void {
  const to = newName.startsWith("/") ? newName.slice(1) : newName;
  const id = engine.containers.resolve(ref);
  engine.containers.withLock(id, () => {
    const from = engine.containers.load(id).Name.slice(1);
    if (from === to) throw new BunkerError("Renaming a container with the same name as its current name");
    try {
      if (!isValidName(to)) throw new BunkerError(`Invalid container name (/${to}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
      engine.containers.rename(id, from, to);
      containerEvent(engine, engine.containers.load(id), "rename", { oldName: `/${from}` });
    } catch (e) {
      if (e instanceof BunkerError) throw new BunkerError(`Error when allocating new name: ${e.message}`);
      throw e;
    }
  });
}
