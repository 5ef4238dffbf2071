// Registry credentials where docker and podman keep them, so a `docker login`
// or `podman login` done earlier works here too:
//   $DOCKER_CONFIG/config.json (default ~/.docker/config.json): "auths",
//     "credHelpers" and "credsStore" (docker-credential-<name> get|store|erase);
//   podman's $REGISTRY_AUTH_FILE (or ${XDG_RUNTIME_DIR}/containers/auth.json)
//     and ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, same format.
// Docker Hub is keyed "https://index.docker.io/v1/", as docker writes it.
import { mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../lib/atomic.ts";
import { BunkerError } from "../lib/errors.ts";
import { RegistryError } from "./errors.ts";

export interface Credentials {
  username: string;
  password: string;
}

/** How docker marks an identity (refresh) token in place of a user name. */
export const IDENTITY_TOKEN_USER = "<token>";

const HUB = "docker.io";
const HUB_KEY = "https://index.docker.io/v1/";
const HUB_ALIASES = new Set([HUB, "index.docker.io", "registry-1.docker.io"]);

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [other: string]: unknown;
}

export function dockerConfigPath(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), ".docker"), "config.json");
}

function podmanAuthFiles(): string[] {
  const env = process.env;
  const primary = env.REGISTRY_AUTH_FILE || (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "containers", "auth.json") : undefined);
  const config = join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "containers", "auth.json");
  return [primary, config].filter((p): p is string => !!p);
}

/** What the user typed (docker.io, https://index.docker.io/v1/, http://host:5000/v2/) as a registry domain. */
export function registryDomain(server: string): string {
  const host = server.replace(/^https?:\/\//i, "").split("/")[0];
  return HUB_ALIASES.has(host) ? HUB : host;
}

/** The key docker writes in "auths" and passes to credential helpers. */
export function serverKey(domain: string): string {
  const d = registryDomain(domain);
  return d === HUB ? HUB_KEY : d;
}

/**
 * The registry a config key names. Docker's keys may carry a scheme and a
 * /v1/ or /v2/ path; podman's may name a namespace ("quay.io/org"), which
 * is for one repository, not the whole registry, and is skipped.
 */
function keyDomain(key: string): string | undefined {
  const hasScheme = /^https?:\/\//i.test(key);
  const rest = key.replace(/^https?:\/\//i, "");
  const [host, ...path] = rest.split("/");
  if (!hasScheme && path.filter(Boolean).some((p) => p !== "v1" && p !== "v2")) return undefined;
  return registryDomain(host);
}

function readConfig(path: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new BunkerError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (text.trim() === "") return {};
  try {
    const cfg = JSON.parse(text);
    if (cfg && typeof cfg === "object" && !Array.isArray(cfg)) return cfg as ConfigFile;
  } catch {
    // reported below
  }
  throw new BunkerError(`${path} is not a valid JSON object; fix or remove it`);
}

/** The credential helper for a registry: credHelpers[host], else credsStore. */
function helperIn(cfg: ConfigFile, domain: string): string | undefined {
  const d = registryDomain(domain);
  for (const [key, name] of Object.entries(cfg.credHelpers ?? {})) if (name && keyDomain(key) === d) return name;
  return cfg.credsStore || undefined;
}

/** The docker-credential-<name> helper that holds this registry's secret, if one is configured. */
export function credentialHelper(domain: string): string | undefined {
  const cfg = readConfig(dockerConfigPath());
  return cfg && helperIn(cfg, domain);
}

function decodeEntry(e: AuthEntry): Credentials | undefined {
  if (e.identitytoken) return { username: IDENTITY_TOKEN_USER, password: e.identitytoken };
  if (e.auth) {
    const plain = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = plain.indexOf(":");
    if (colon > 0) return { username: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }
  if (e.username && e.password) return { username: e.username, password: e.password };
  return undefined;
}

function lookup(cfg: ConfigFile, domain: string): Credentials | undefined {
  const helper = helperIn(cfg, domain);
  const fromHelper = helper ? helperGet(helper, domain) : undefined;
  if (fromHelper) return fromHelper;
  const d = registryDomain(domain);
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    if (entry && keyDomain(key) === d) {
      const creds = decodeEntry(entry);
      if (creds) return creds;
    }
  }
  return undefined;
}

export function credentialsFor(domain: string): Credentials | undefined {
  for (const path of [dockerConfigPath(), ...podmanAuthFiles()]) {
    const cfg = readConfig(path);
    const creds = cfg && lookup(cfg, domain);
    if (creds) return creds;
  }
  return undefined;
}

function writeConfig(path: string, cfg: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Tabs, as docker writes it; 0600 because it may hold passwords.
  writeFileAtomic(path, `${JSON.stringify(cfg, null, "\t")}\n`, { mode: 0o600 });
}

/** Drops every key naming this registry (a login may have been stored as "https://host/v1/" before). */
function dropEntries(cfg: ConfigFile, domain: string): boolean {
  const d = registryDomain(domain);
  let dropped = false;
  for (const key of Object.keys(cfg.auths ?? {})) {
    if (keyDomain(key) === d && cfg.auths) {
      delete cfg.auths[key];
      dropped = true;
    }
  }
  return dropped;
}

export function saveCredentials(domain: string, creds: Credentials): string {
  const path = dockerConfigPath();
  const cfg = readConfig(path) ?? {};
  const helper = helperIn(cfg, domain);
  dropEntries(cfg, domain);
  cfg.auths ??= {};
  if (helper) {
    helperStore(helper, domain, creds);
    // docker records the server (without secrets) in "auths" when its credsStore holds it
    if (helper === cfg.credsStore) cfg.auths[serverKey(domain)] = {};
  } else if (creds.username === IDENTITY_TOKEN_USER) {
    cfg.auths[serverKey(domain)] = { identitytoken: creds.password };
  } else {
    cfg.auths[serverKey(domain)] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString("base64") };
  }
  writeConfig(path, cfg);
  return path;
}

export function removeCredentials(domain: string): boolean {
  const path = dockerConfigPath();
  const cfg = readConfig(path);
  if (!cfg) return false;
  const helper = helperIn(cfg, domain);
  let removed = false;
  if (helper && helperGet(helper, domain)) {
    runHelper(helper, "erase", serverKey(domain));
    removed = true;
  }
  if (dropEntries(cfg, domain)) {
    writeConfig(path, cfg);
    removed = true;
  }
  return removed;
}

// The docker-credential-helpers protocol: the action as argv[1], the input
// on stdin (the server URL, or JSON for store), JSON on stdout for get.

function runHelper(name: string, action: "get" | "store" | "erase", input: string): { ok: boolean; out: string } {
  const exe = `docker-credential-${name}`;
  let r: ReturnType<typeof Bun.spawnSync>;
  try {
    // env passed explicitly: Bun otherwise searches the PATH the process started with
    r = Bun.spawnSync([exe, action], { stdin: Buffer.from(input), stdout: "pipe", stderr: "pipe", env: process.env });
  } catch (e) {
    throw new RegistryError(`credential helper ${exe}: ${(e as Error).message.split("\n")[0]}`);
  }
  const out = `${r.stdout?.toString() ?? ""}`.trim();
  if (r.exitCode !== 0 && action !== "get") {
    throw new RegistryError(`credential helper ${exe} ${action} failed: ${out || `${r.stderr?.toString() ?? ""}`.trim() || `exit status ${r.exitCode}`}`);
  }
  return { ok: r.exitCode === 0, out: out || `${r.stderr?.toString() ?? ""}`.trim() };
}

function helperGet(name: string, domain: string): Credentials | undefined {
  const { ok, out } = runHelper(name, "get", serverKey(domain));
  if (!ok) {
    if (/credentials not found/i.test(out)) return undefined;
    throw new RegistryError(`credential helper docker-credential-${name} get failed: ${out || "no output"}`);
  }
  try {
    const { Username, Secret } = JSON.parse(out) as { Username?: string; Secret?: string };
    return Secret ? { username: Username ?? "", password: Secret } : undefined;
  } catch {
    throw new RegistryError(`credential helper docker-credential-${name} get: output is not JSON`);
  }
}

function helperStore(name: string, domain: string, creds: Credentials): void {
  runHelper(name, "store", JSON.stringify({ ServerURL: serverKey(domain), Username: creds.username, Secret: creds.password }));
}
