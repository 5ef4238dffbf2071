import { afterAll, describe, expect, test } from "bun:test";
import { parseChallenges } from "../../../src/registry/challenge.ts";
import { apiHost, hostname, insecureRegistries, isInsecure, tlsFor } from "../../../src/registry/hosts.ts";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("WWW-Authenticate parsing", () => {
  test("Bearer with quoted values holding commas", () => {
    const h = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"';
    expect(parseChallenges(h)).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull,push" } },
    ]);
  });

  test("several challenges, spaces, unquoted values and escapes", () => {
    const h = 'Basic realm="a \\"quoted\\" realm" , Bearer realm=https://x/token, service = "svc",error="insufficient_scope"';
    expect(parseChallenges(h)).toEqual([
      { scheme: "basic", params: { realm: 'a "quoted" realm' } },
      { scheme: "bearer", params: { realm: "https://x/token", service: "svc", error: "insufficient_scope" } },
    ]);
  });

  test("scheme case, empty and missing headers", () => {
    expect(parseChallenges('BASIC realm="r"')[0].scheme).toBe("basic");
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges("Negotiate")).toEqual([{ scheme: "negotiate", params: {} }]);
  });
});

describe("host policy", () => {
  const scratch = mkdtempSync(join(tmpdir(), "bunker-hosts-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("Docker Hub's API host", () => {
    expect(apiHost("docker.io")).toBe("registry-1.docker.io");
    expect(apiHost("index.docker.io")).toBe("registry-1.docker.io");
    expect(apiHost("quay.io")).toBe("quay.io");
  });

  test("host names without ports", () => {
    expect(hostname("127.0.0.1:5000")).toBe("127.0.0.1");
    expect(hostname("[::1]:5000")).toBe("::1");
    expect(hostname("registry.example")).toBe("registry.example");
  });

  test("plain http only for loopback and declared insecure registries", () => {
    expect(isInsecure("localhost:5000", false, [])).toBe(true);
    expect(isInsecure("127.1.2.3:80", false, [])).toBe(true);
    expect(isInsecure("[::1]:5000", false, [])).toBe(true);
    expect(isInsecure("registry.example:5000", false, [])).toBe(false);
    expect(isInsecure("registry.example:5000", true, [])).toBe(true);
    expect(isInsecure("registry.example:5000", false, ["registry.example:5000"])).toBe(true);
    expect(isInsecure("registry.example:5001", false, ["registry.example:5000"])).toBe(false);
    expect(isInsecure("10.1.2.3:5000", false, ["10.0.0.0/8"])).toBe(true);
    expect(isInsecure("11.1.2.3:5000", false, ["10.0.0.0/8"])).toBe(false);
  });

  test("BUNKER_INSECURE_REGISTRIES and daemon.json are both read", () => {
    const dir = mkdtempSync(join(scratch, "hosts-"));
    const daemon = join(dir, "daemon.json");
    writeFileSync(daemon, JSON.stringify({ "insecure-registries": ["from-daemon:5000"] }));
    const saved = process.env.BUNKER_INSECURE_REGISTRIES;
    process.env.BUNKER_INSECURE_REGISTRIES = "a.example:1, b.example";
    try {
      const list = insecureRegistries(daemon);
      expect(list.map((s) => s.trim())).toEqual(["a.example:1", "b.example", "from-daemon:5000"]);
      expect(isInsecure("b.example", false, list)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.BUNKER_INSECURE_REGISTRIES;
      else process.env.BUNKER_INSECURE_REGISTRIES = saved;
    }
  });

  test("extra CAs from certs.d are added to the default trust, client certs picked up", () => {
    const base = mkdtempSync(join(scratch, "certs-"));
    mkdirSync(join(base, "reg.example:5000"));
    writeFileSync(join(base, "reg.example:5000", "ca.crt"), "CA-PEM");
    writeFileSync(join(base, "reg.example:5000", "client.cert"), "CERT");
    writeFileSync(join(base, "reg.example:5000", "client.key"), "KEY");
    const tls = tlsFor("reg.example:5000", false, [base]);
    expect(tls?.ca).toContain("CA-PEM");
    expect((tls?.ca as string[]).length).toBeGreaterThan(1); // the defaults are kept
    expect(tls).toMatchObject({ cert: "CERT", key: "KEY" });
    expect(tlsFor("other.example", false, [base])).toBeUndefined();
    expect(tlsFor("other.example", true, [base])).toEqual({ rejectUnauthorized: false });
  });
});
