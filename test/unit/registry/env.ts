// Every registry test runs with credentials looked up in a temp dir only,
// never the real ~/.docker or podman's auth files, and with short backoffs.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backoff } from "../../../src/registry/retry.ts";

const VARS = ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "HOME", "PATH", "BUNKER_INSECURE_REGISTRIES"] as const;

export interface TestEnv {
  dir: string;
  dockerConfig: string;
}

export function isolateRegistryEnv(): TestEnv {
  const env: TestEnv = { dir: "", dockerConfig: "" };
  const saved: Record<string, string | undefined> = {};
  const savedDelays = backoff.delaysMs;
  beforeAll(() => {
    for (const v of VARS) saved[v] = process.env[v];
    env.dir = mkdtempSync(join(tmpdir(), "bunker-registry-test-"));
    env.dockerConfig = join(env.dir, "docker");
    process.env.DOCKER_CONFIG = env.dockerConfig;
    process.env.REGISTRY_AUTH_FILE = join(env.dir, "podman-auth.json");
    process.env.XDG_RUNTIME_DIR = join(env.dir, "run");
    process.env.XDG_CONFIG_HOME = join(env.dir, "config");
    process.env.HOME = join(env.dir, "home");
    delete process.env.BUNKER_INSECURE_REGISTRIES;
    backoff.delaysMs = [1, 2, 3, 4];
  });
  afterAll(() => {
    for (const v of VARS) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    backoff.delaysMs = savedDelays;
    rmSync(env.dir, { recursive: true, force: true });
  });
  return env;
}
