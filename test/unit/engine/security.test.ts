import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerRecord } from "../../../src/engine/container-store.ts";
import { applySecurity, prepareSecurity, prepareSeccompSpec, securityHostConfig, type SecurityFlags } from "../../../src/engine/security.ts";
import { DEFAULT_CAPABILITIES } from "../../../src/runtime/capabilities.ts";
import { type RuntimeSpec, RuntimeSpecSchema } from "../../../src/runtime/spec.ts";

const dir = mkdtempSync(join(tmpdir(), "bunker-security-"));
const cache = join(dir, "cache");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (over: Partial<SecurityFlags> = {}): SecurityFlags => ({ capAdd: [], capDrop: [], privileged: false, securityOpt: [], ulimits: [], ...over });

async function specFor(over: Partial<SecurityFlags> = {}, uid = 0): Promise<RuntimeSpec> {
  const spec: RuntimeSpec = {
    ociVersion: "1.0.2",
    process: { user: { uid, gid: uid }, args: ["true"], cwd: "/" },
    root: { path: "/r" },
    mounts: [{ destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] }],
    linux: { namespaces: [{ type: "mount" }], maskedPaths: ["/proc/kcore"], readonlyPaths: ["/proc/sys"] },
  };
  const record = { HostConfig: securityHostConfig(flags(over)) } as unknown as ContainerRecord;
  await prepareSecurity(record, cache); // as a start does, before applySecurity reads the caches
  applySecurity(spec, record, cache);
  RuntimeSpecSchema.parse(spec);
  return spec;
}

describe("security options", () => {
  test("--security-opt forms, as the docker CLI and daemon take them", async () => {
    const profile = join(dir, "p.json");
    writeFileSync(profile, '{ "defaultAction": "SCMP_ACT_ALLOW" }');
    const opts = securityHostConfig(flags({ securityOpt: ["no-new-privileges", "no-new-privileges:true", "seccomp=unconfined", `seccomp=${profile}`, "label=disable", "systempaths=unconfined"] })).SecurityOpt;
    expect(opts).toEqual(["no-new-privileges", "no-new-privileges=true", "seccomp=unconfined", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "label=disable", "systempaths=unconfined"]);
    for (const bad of ["bogus", "seccomp=", "no-new-privileges=maybe", "systempaths=open", "foo=bar"])
      expect(() => securityHostConfig(flags({ securityOpt: [bad] }))).toThrow("invalid --security-opt");
  });

  test("the last --ulimit of a name wins; --oom-score-adj is range-checked", async () => {
    expect(securityHostConfig(flags({ ulimits: ["nofile=1:2", "nproc=5", "nofile=3:4"] })).Ulimits).toEqual([
      { Name: "nofile", Soft: 3, Hard: 4 },
      { Name: "nproc", Soft: 5, Hard: 5 },
    ]);
    expect(() => securityHostConfig(flags({ oomScoreAdj: -1001 }))).toThrow("Invalid value -1001, range for oom score adj is [-1000, 1000]");
  });
});

describe("applySecurity", () => {
  test("root: Docker's 14 in bounding, effective and permitted; the default seccomp profile resolved for them", async () => {
    const spec = await specFor();
    expect(spec.process.capabilities).toEqual({ bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES });
    expect(spec.linux.seccomp?.defaultAction).toBe("SCMP_ACT_ERRNO");
    const names = spec.linux.seccomp!.syscalls!.flatMap((s) => (s.action === "SCMP_ACT_ALLOW" ? s.names : []));
    expect(names).toContain("read");
    expect(names).not.toContain("mount"); // only with CAP_SYS_ADMIN
    expect(spec.process.noNewPrivileges).toBeUndefined();
    expect(spec.linux.maskedPaths).toEqual(["/proc/kcore"]);
  });

  test("CAP_SYS_ADMIN brings mount into the filter", async () => {
    const names = (await specFor({ capAdd: ["SYS_ADMIN"] })).linux.seccomp!.syscalls!.flatMap((s) => (s.action === "SCMP_ACT_ALLOW" ? s.names : []));
    expect(names).toContain("mount");
  });

  test("a non-root user gets the bounding set only", async () => {
    expect((await specFor({}, 1000)).process.capabilities).toEqual({ bounding: DEFAULT_CAPABILITIES });
  });

  test("privileged: every capability, no seccomp, no masked or read-only paths, /sys read-write", async () => {
    const spec = await specFor({ privileged: true, securityOpt: ["seccomp=builtin"] });
    expect(spec.process.capabilities!.bounding!.length).toBeGreaterThan(14);
    expect(spec.linux.seccomp).toBeUndefined();
    expect(spec.linux.maskedPaths).toEqual([]);
    expect(spec.linux.readonlyPaths).toEqual([]);
    expect(spec.mounts![0].options).not.toContain("ro");
  });

  test("rlimits, no_new_privs, the OOM score and seccomp=unconfined reach the spec", async () => {
    const spec = await specFor({ ulimits: ["nofile=100:200", "core=-1"], securityOpt: ["no-new-privileges", "seccomp=unconfined"], oomScoreAdj: 300 });
    expect(spec.process.rlimits).toEqual([
      { type: "RLIMIT_NOFILE", soft: 100, hard: 200 },
      { type: "RLIMIT_CORE", soft: 2 ** 64 - 1, hard: 2 ** 64 - 1 },
    ]);
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.oomScoreAdj).toBe(300);
    expect(spec.linux.seccomp).toBeUndefined();
  });

  test("the resolved profile is cached by input", async () => {
    const before = readdirSync(cache).length;
    await prepareSeccompSpec(cache, null, DEFAULT_CAPABILITIES);
    expect(readdirSync(cache).length).toBe(before);
    await prepareSeccompSpec(cache, null, [...DEFAULT_CAPABILITIES, "CAP_SYS_PTRACE"]);
    expect(readdirSync(cache).length).toBe(before + 1);
  });
});

describe("the resolved profile compiles to the same filter as Docker's profile", () => {
  test.each([
    ["Docker's 14", DEFAULT_CAPABILITIES],
    ["with SYS_ADMIN and SYS_PTRACE", [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]],
    ["none", []],
  ])("%s", async (_, caps) => {
    const { compileProfile, defaultProfile } = require("../../../src/runtime/seccomp/index.ts") as typeof import("../../../src/runtime/seccomp/index.ts");
    const resolved = (await prepareSeccompSpec(cache, null, caps)) as unknown as Parameters<typeof compileProfile>[0];
    expect(Buffer.from(compileProfile(resolved, caps)).equals(Buffer.from(compileProfile(defaultProfile(), caps)))).toBe(true);
  });

  test("clone3 gets ENOSYS through the resolved profile too", async () => {
    const { compileProfile } = require("../../../src/runtime/seccomp/index.ts") as typeof import("../../../src/runtime/seccomp/index.ts");
    const { ENOSYS_RET, Filter } = require("../runtime/seccomp/bpf-interp.ts");
    const { nr } = require("../runtime/seccomp/fixtures.ts");
    const resolved = (await prepareSeccompSpec(cache, null, DEFAULT_CAPABILITIES)) as unknown as Parameters<typeof compileProfile>[0];
    expect(new Filter(compileProfile(resolved, DEFAULT_CAPABILITIES)).run({ nr: nr("clone3"), args: [] })).toBe(ENOSYS_RET);
  });
});
