import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentialHelper, credentialsFor, registryDomain, removeCredentials, saveCredentials, serverKey } from "../../../src/registry/credentials.ts";
import { isolateRegistryEnv } from "./env.ts";

const env = isolateRegistryEnv();
const b64 = (s: string) => Buffer.from(s).toString("base64");
const configFile = () => join(env.dockerConfig, "config.json");

function writeConfig(cfg: unknown, path = configFile()): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(cfg));
}

/**
 * docker-credential-test: a helper speaking the docker-credential-helpers
 * protocol, keeping its secrets as files in a directory (and logging calls).
 */
function installHelper(): string {
  const bin = join(env.dir, "bin");
  const store = join(env.dir, "helper-store");
  mkdirSync(bin, { recursive: true });
  mkdirSync(store, { recursive: true });
  writeFileSync(
    join(bin, "docker-credential-test"),
    `#!/bin/sh
store=${store}
input=$(cat)
echo "$1 $input" >> "$store/calls.log"
key=$(printf '%s' "$input" | sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/' | tr '/:' '__')
case "$1" in
  get)
    if [ -f "$store/$key" ]; then cat "$store/$key"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  store)
    printf '%s' "$input" > "$store/$key" ;;
  erase)
    rm -f "$store/$key" ;;
esac
`,
    { mode: 0o755 },
  );
  process.env.PATH = `${bin}:${process.env.PATH}`;
  return store;
}

let helperStore = "";
beforeAll(() => {
  helperStore = installHelper();
});

afterEach(() => {
  for (const f of [configFile(), process.env.REGISTRY_AUTH_FILE ?? "", join(process.env.XDG_CONFIG_HOME ?? "", "containers", "auth.json")]) rmSync(f, { force: true });
  rmSync(helperStore, { recursive: true, force: true });
  mkdirSync(helperStore, { recursive: true });
});

describe("server names", () => {
  test("docker's spellings of Docker Hub and other registries", () => {
    for (const s of ["docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"]) expect(registryDomain(s)).toBe("docker.io");
    expect(registryDomain("http://myreg:5000/v2/")).toBe("myreg:5000");
    expect(serverKey("docker.io")).toBe("https://index.docker.io/v1/");
    expect(serverKey("myreg:5000")).toBe("myreg:5000");
  });
});

describe("reading credentials", () => {
  test("auths: base64 auth, username/password fields, identity tokens; Docker Hub's keys", () => {
    writeConfig({
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass") },
        "http://fields.example:5000/v1/": { username: "u", password: "p" },
        "tok.example": { auth: b64("ignored:x"), identitytoken: "refresh-me" },
        "quay.io/some/namespace": { auth: b64("ns:only") },
      },
    });
    expect(credentialsFor("docker.io")).toEqual({ username: "hubuser", password: "hub:pass" });
    expect(credentialsFor("fields.example:5000")).toEqual({ username: "u", password: "p" });
    expect(credentialsFor("tok.example")).toEqual({ username: "<token>", password: "refresh-me" });
    expect(credentialsFor("quay.io")).toBeUndefined(); // a namespace's login is not the registry's
    expect(credentialsFor("unknown.example")).toBeUndefined();
  });

  test.each(["docker.io", "index.docker.io", "registry-1.docker.io"])("Docker Hub stored as %s", (key) => {
    writeConfig({ auths: { [key]: { auth: b64("a:b") } } });
    expect(credentialsFor("docker.io")).toEqual({ username: "a", password: "b" });
  });

  test("credHelpers and credsStore run docker-credential-<name> get", () => {
    writeFileSync(join(helperStore, "helped.example"), JSON.stringify({ ServerURL: "helped.example", Username: "hu", Secret: "hs" }));
    writeFileSync(join(helperStore, "https___index.docker.io_v1_"), JSON.stringify({ ServerURL: "https://index.docker.io/v1/", Username: "<token>", Secret: "idt" }));
    writeConfig({ credHelpers: { "helped.example": "test" }, auths: { "plain.example": { auth: b64("p:q") } } });
    expect(credentialHelper("helped.example")).toBe("test");
    expect(credentialHelper("plain.example")).toBeUndefined();
    expect(credentialsFor("helped.example")).toEqual({ username: "hu", password: "hs" });
    expect(credentialsFor("plain.example")).toEqual({ username: "p", password: "q" });
    writeConfig({ credsStore: "test" });
    expect(credentialsFor("docker.io")).toEqual({ username: "<token>", password: "idt" });
    expect(credentialsFor("missing.example")).toBeUndefined(); // "credentials not found" is not an error
    expect(readFileSync(join(helperStore, "calls.log"), "utf8")).toContain("get https://index.docker.io/v1/");
  });

  test("a configured helper that is not installed is a clear error", () => {
    writeConfig({ credsStore: "absent" });
    expect(() => credentialsFor("x.example")).toThrow("credential helper docker-credential-absent");
  });

  test("podman's auth files: REGISTRY_AUTH_FILE and XDG_CONFIG_HOME", () => {
    writeConfig({ auths: { "pod.example": { auth: b64("pod:man") } } }, process.env.REGISTRY_AUTH_FILE);
    writeConfig({ auths: { "cfg.example": { auth: b64("c:g") } } }, join(process.env.XDG_CONFIG_HOME ?? "", "containers", "auth.json"));
    expect(credentialsFor("pod.example")).toEqual({ username: "pod", password: "man" });
    expect(credentialsFor("cfg.example")).toEqual({ username: "c", password: "g" });
  });

  test("a broken config.json is reported, not ignored", () => {
    mkdirSync(env.dockerConfig, { recursive: true });
    writeFileSync(configFile(), "{ not json");
    expect(() => credentialsFor("x.example")).toThrow("is not a valid JSON object");
  });
});

describe("saving and removing", () => {
  test("round trip into config.json, keeping other keys, mode 0600", () => {
    writeConfig({ auths: { "other.example": { auth: b64("o:o") }, "http://myreg:5000/v1/": { auth: b64("old:old") } }, psFormat: "table {{.ID}}" });
    const path = saveCredentials("myreg:5000", { username: "new", password: "pw" });
    expect(path).toBe(configFile());
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const cfg = JSON.parse(readFileSync(path, "utf8"));
    expect(cfg.psFormat).toBe("table {{.ID}}");
    expect(cfg.auths).toEqual({ "other.example": { auth: b64("o:o") }, "myreg:5000": { auth: b64("new:pw") } });
    expect(credentialsFor("myreg:5000")).toEqual({ username: "new", password: "pw" });

    saveCredentials("docker.io", { username: "<token>", password: "idt" });
    expect(JSON.parse(readFileSync(path, "utf8")).auths["https://index.docker.io/v1/"]).toEqual({ identitytoken: "idt" });

    expect(removeCredentials("myreg:5000")).toBe(true);
    expect(removeCredentials("myreg:5000")).toBe(false);
    expect(credentialsFor("myreg:5000")).toBeUndefined();
    expect(JSON.parse(readFileSync(path, "utf8")).auths["other.example"]).toEqual({ auth: b64("o:o") });
  });

  test("a fresh DOCKER_CONFIG directory is created", () => {
    rmSync(env.dockerConfig, { recursive: true, force: true });
    saveCredentials("new.example", { username: "a", password: "b" });
    expect(existsSync(configFile())).toBe(true);
    expect(statSync(env.dockerConfig).mode & 0o777).toBe(0o700);
  });

  test("with credsStore the secret goes to the helper; config.json only names the server", () => {
    writeConfig({ credsStore: "test" });
    saveCredentials("docker.io", { username: "hub", password: "secret" });
    const cfg = JSON.parse(readFileSync(configFile(), "utf8"));
    expect(cfg).toEqual({ credsStore: "test", auths: { "https://index.docker.io/v1/": {} } });
    expect(JSON.stringify(cfg)).not.toContain("secret");
    expect(credentialsFor("docker.io")).toEqual({ username: "hub", password: "secret" });
    expect(removeCredentials("docker.io")).toBe(true);
    expect(credentialsFor("docker.io")).toBeUndefined();
    expect(readFileSync(join(helperStore, "calls.log"), "utf8")).toContain("erase https://index.docker.io/v1/");
    expect(removeCredentials("docker.io")).toBe(false);
  });

  test("removing from a missing config is not an error", () => {
    expect(removeCredentials("nothing.example")).toBe(false);
  });
});
