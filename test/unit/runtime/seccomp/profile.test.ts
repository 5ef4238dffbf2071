// Reading profiles: the embedded default, Docker-format files, and one-line errors.
import { describe, expect, test } from "bun:test";
import { BunkerError } from "../../../../src/lib/errors.ts";
import { defaultProfile, parseProfile } from "../../../../src/runtime/seccomp/index.ts";
import embedded from "../../../../src/runtime/seccomp/default.json" with { type: "json" };

const refusal = (json: string): string => {
  try {
    parseProfile(json);
  } catch (e) {
    expect(e).toBeInstanceOf(BunkerError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("accepted");
};

describe("defaultProfile", () => {
  test("is Docker's profile: ERRNO(EPERM) by default, x86 and x32 under x86_64, the clone3 ENOSYS rule", () => {
    const p = defaultProfile();
    expect(p.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.archMap?.find((m) => m.architecture === "SCMP_ARCH_X86_64")?.subArchitectures).toEqual(["SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(p.syscalls.length).toBe(56);
    expect(p.syscalls.find((s) => s.names.includes("clone3") && s.action === "SCMP_ACT_ERRNO")).toMatchObject({ errnoRet: 38, excludes: { caps: ["CAP_SYS_ADMIN"] } });
  });

  test("parses the same as the embedded file's text, and each call returns a fresh copy", () => {
    expect(parseProfile(JSON.stringify(embedded))).toEqual(defaultProfile());
    const a = defaultProfile();
    a.syscalls.length = 0;
    expect(defaultProfile().syscalls.length).toBe(56);
  });
});

describe("parseProfile", () => {
  test("accepts Docker's optional and null fields and the legacy single name", () => {
    const p = parseProfile(JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", architectures: null, syscalls: [{ name: "read", action: "SCMP_ACT_ERRNO", args: null, includes: {}, excludes: null }] }));
    expect(p.syscalls[0].names).toEqual(["read"]);
    expect(parseProfile('{"defaultAction":"SCMP_ACT_ALLOW"}').syscalls).toEqual([]);
  });

  test("refuses bad files in one line that says where", () => {
    expect(refusal("{")).toStartWith("seccomp profile is not valid JSON");
    expect(refusal('{"defaultAction":"SCMP_ACT_MAYBE"}')).toContain("defaultAction");
    expect(refusal('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}')).toContain("syscalls.0.args.0.index");
    expect(refusal('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_SIMILAR"}]}]}')).toContain("op");
    expect(refusal('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}')).toContain("2^53");
    expect(refusal('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"five"}}]}')).toContain("minKernel");
    expect(refusal('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":null}]}')).toContain("either architectures or archMap");
    expect(refusal('{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":70000}')).toContain("defaultErrnoRet");
  });
});
