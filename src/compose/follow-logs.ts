// Several containers' logs at once, each line prefixed with its container's
// name (`compose logs`, and `compose up` in the foreground).
import { containerLogs, type LogsOptions } from "../engine/container-logs.ts";
import type { Engine } from "../engine/engine.ts";
import { formatNanoFixed } from "../engine/json-log.ts";
import { linePrefixes, tolerateClosedOutput } from "./output.ts";

export interface FollowOptions extends LogsOptions {
  timestamps?: boolean;
  /** No name prefix (`logs --no-log-prefix`). */
  noPrefix?: boolean;
}

/** Resolves when every log has ended (with follow: when every container has stopped); `onEnd` is told of each. */
export async function followLogs(engine: Engine, ids: string[], names: string[], opts: FollowOptions, onEnd?: (id: string) => void): Promise<void> {
  tolerateClosedOutput();
  const prefix = linePrefixes(names);
  await Promise.all(
    ids.map(async (id, i) => {
      const head = opts.noPrefix ? "" : prefix(names[i]);
      await containerLogs(engine, id, opts, (line) => {
        const stamp = opts.timestamps ? `${formatNanoFixed(line.time)} ` : "";
        const text = line.log.endsWith("\n") ? line.log : `${line.log}\n`;
        (line.stream === "stderr" ? process.stderr : process.stdout).write(`${head}${stamp}${text}`);
      });
      onEnd?.(id);
    }),
  );
}
