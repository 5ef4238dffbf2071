// `system check`'s look at file modes: the state bunker keeps from other users
// (lib/modes.ts) must not have been opened up, by an older bunker (whose
// directories were 0755 and records 0644) or by hand. Only bunker's own
// files are looked at, never a layer's, a volume's or a container's content,
// whose modes are the image's.
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { PRIVATE_DIR_MODE, SECRET_FILE_MODE, STATE_DIR_MODE } from "../lib/modes.ts";
import { journalDir, journalPath, previousPath } from "../events/journal.ts";
import type { Engine } from "./engine.ts";

const CONTAINER_ID = /^[a-f0-9]{64}$/;
/** A container's files that hold its `-e` values or its output. */
const SECRET_FILE = /^(container\.json|config\.json|[a-f0-9]{64}-json\.log(\.\d+)?)$/;

const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

/** Each of bunker's own paths with the widest mode it may have. */
function* expectedModes(engine: Engine): Generator<[string, number]> {
  yield [engine.dirs.root, STATE_DIR_MODE];
  yield [engine.dirs.runRoot, STATE_DIR_MODE]; // 0710: the API service lets the docker group through to its socket
  yield [engine.containers.dir, STATE_DIR_MODE];
  for (const id of list(engine.containers.dir).filter((n) => CONTAINER_ID.test(n))) {
    const dir = engine.containers.path(id);
    yield [dir, STATE_DIR_MODE];
    for (const f of list(dir).filter((n) => SECRET_FILE.test(n))) yield [join(dir, f), SECRET_FILE_MODE];
  }
  yield [engine.containers.runDir, PRIVATE_DIR_MODE];
  for (const f of list(engine.containers.runDir).filter((n) => n.endsWith(".json"))) yield [join(engine.containers.runDir, f), SECRET_FILE_MODE];
  yield [engine.volumes.dir, PRIVATE_DIR_MODE];
  // The events journal: labels and exec command lines.
  yield [journalDir(engine.dirs.root), PRIVATE_DIR_MODE];
  for (const path of [journalPath(engine.dirs.root), previousPath(engine.dirs.root)]) yield [path, SECRET_FILE_MODE];
}

export interface OpenMode {
  path: string;
  mode: number;
  /** The widest mode allowed. */
  widest: number;
}

/** bunker's own paths whose modes let more in than lib/modes.ts allows. */
export function openModes(engine: Engine): OpenMode[] {
  const found: OpenMode[] = [];
  for (const [path, widest] of expectedModes(engine)) {
    try {
      const st = lstatSync(path);
      const mode = st.mode & 0o7777;
      if (!st.isSymbolicLink() && (mode & ~widest) !== 0) found.push({ path, mode, widest });
    } catch {
      // not made yet, or removed meanwhile
    }
  }
  return found;
}
