// What the API tests share: a `bunker system service` on a private socket for a
// Bunker root, and the docker CLI pointed at it.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, type Bunker, type Result } from "../harness.ts";

export const DOCKER = "/usr/local/bin/docker";

export interface Service {
  proc: Bun.Subprocess<"ignore", "ignore", "pipe">;
  /** What it said it listens on: the "API listen on URI" line. */
  uri: string;
}

/** Starts ARGV and waits for its "API listen on" line (the socket is ready then). */
export async function startService(argv: string[], env: Record<string, string> = {}): Promise<Service> {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe", env: { ...process.env, ...env } });
  let seen = "";
  const reader = proc.stderr.getReader();
  while (!seen.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the service exited: ${seen}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const uri = /API listen on (\S+)/.exec(seen)?.[1];
  if (!uri) throw new Error(`the service said: ${seen}`);
  return { proc, uri };
}

export async function stop(s: Service): Promise<number> {
  s.proc.kill("SIGTERM");
  return s.proc.exited;
}

/** A service on a fresh socket for B's root, the docker CLI for it, a raw request helper, and the way to stop it all. */
export async function serviceFor(b: Bunker) {
  const tmp = mkdtempSync("/var/tmp/bunker-api-");
  const sock = join(tmp, "api.sock");
  const service = await startService([BUNKER, "--root", b.root, "system", "service", "--time", "0", `unix://${sock}`]);
  const env = { ...process.env, DOCKER_CONFIG: tmp };
  return {
    sock,
    /** The docker CLI on the service. */
    docker(args: string[], stdin?: string): Result {
      const r = Bun.spawnSync([DOCKER, "-H", `unix://${sock}`, ...args], { env, stdin: stdin === undefined ? "ignore" : Buffer.from(stdin) });
      return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
    },
    api: (path: string, init: RequestInit = {}) => fetch(`http://bunker${path}`, { ...init, unix: sock } as RequestInit),
    async stop(): Promise<number> {
      const code = await stop(service);
      rmSync(tmp, { recursive: true, force: true });
      return code;
    },
  };
}

export type ApiService = Awaited<ReturnType<typeof serviceFor>>;
