// The real kernel accepts the compiled default filter and enforces it: a child bun
// process installs it with prctl(PR_SET_SECCOMP) and reports what its syscalls got.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileProfile, defaultProfile } from "../../../../src/runtime/seccomp/index.ts";
import { ALL_CAPS, DOCKER_CAPS } from "./fixtures.ts";

const EPERM = -1;
const EFAULT = -14;
const EINVAL = -22;
const ENOSYS = -38;

const dir = mkdtempSync(join(tmpdir(), "bunker-seccomp-kernel-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runFiltered(caps: string[]): Record<string, number> {
  const file = join(dir, `${caps.length}.bpf`);
  writeFileSync(file, compileProfile(defaultProfile(), caps));
  const child = Bun.spawnSync([process.execPath, join(import.meta.dir, "install-filter.ts"), file], { stderr: "pipe" });
  if (child.exitCode !== 0) throw new Error(`filter child exited ${child.exitCode}: ${child.stderr.toString()}`);
  return JSON.parse(child.stdout.toString());
}

describe.skipIf(process.platform !== "linux" || process.arch !== "x64")("kernel", () => {
  test("Docker's capabilities: the filter loads; namespaces, keyring and mount are refused, clone3 says ENOSYS", () => {
    const r = runFiltered(DOCKER_CAPS);
    expect(r.no_new_privs).toBe(0);
    expect(r.set_seccomp).toBe(0);
    expect(r.getpid).toBe(r.pid_before);
    expect(r.unshare_newuser).toBe(EPERM); // unfiltered, a multithreaded bun gets EINVAL instead
    expect(r.clone3).toBe(ENOSYS);
    expect(r.keyctl).toBe(EPERM);
    expect(r.mount).toBe(EPERM);
    expect(r.socket_unix).toBe(0);
    expect(r.socket_vsock).toBe(EPERM);
    expect(r.personality_query).toBe(0);
    expect(r.personality_no_aslr).toBe(EPERM);
  });

  test("all capabilities: the same syscalls reach the kernel (and fail there on their arguments)", () => {
    const r = runFiltered(ALL_CAPS);
    expect(r.set_seccomp).toBe(0);
    expect(r.unshare_newuser).toBe(EINVAL); // a multithreaded process cannot unshare its user namespace
    expect(r.clone3).toBe(EINVAL); // NULL args, size 0
    expect(r.mount).toBe(EFAULT); // NULL pointers
    expect(r.keyctl).toBe(EPERM); // never allowed by the profile
  });
});
