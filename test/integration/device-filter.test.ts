// The cgroup v2 device filter on a real kernel. The project's machines are
// hybrid (v1 controllers), but their cgroup2 mount (/sys/fs/cgroup/unified)
// takes BPF_CGROUP_DEVICE programs whatever controllers it holds. So the v2
// backend makes a cgroup there, attaches the filter for Docker's default
// rules, and a shell moved into it is refused what the rules refuse.
// Needs root and a cgroup2 mount; skipped otherwise. No bunker binary needed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEVICE_RULES } from "../../src/engine/runtime-spec.ts";
import { CgroupV2 } from "../../src/runtime/cgroup-v2.ts";

/** The cgroup2 mount point from mountinfo, if any (hybrid or pure v2). */
function cgroup2Mount(): string | undefined {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep > 0 && line.slice(sep + 3).startsWith("cgroup2 ")) return line.slice(0, sep).split(" ")[4];
  }
}

const mount = cgroup2Mount();
const usable = mount !== undefined && process.getuid?.() === 0;
const NAME = `bunker-test-${process.pid}`;
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync("/tmp/bunker-devfilter-");
  // /dev/mem (1:1) need not exist on the host, so the test makes its own node; only its numbers matter.
  if (usable) Bun.spawnSync(["mknod", join(tmp, "mem"), "c", "1", "1"]);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (mount) removeDir(join(mount, NAME));
});

/** A just-emptied cgroup can be EBUSY for a moment. */
function removeDir(dir: string): void {
  for (let i = 0; i < 200; i++) {
    try {
      return rmdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY") throw e;
      Bun.sleepSync(5);
    }
  }
}

/** Runs `script` in a shell that is first moved into the cgroup dir (or left where it is); its output. */
async function shellIn(cgroupDir: string | undefined, script: string): Promise<string> {
  const sh = Bun.spawn(["sh", "-c", `read go; ${script}`], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  try {
    if (cgroupDir) writeFileSync(join(cgroupDir, "cgroup.procs"), String(sh.pid));
    sh.stdin.write("go\n");
    await sh.stdin.end();
    const [out, err] = await Promise.all([new Response(sh.stdout).text(), new Response(sh.stderr).text()]);
    await sh.exited;
    return out + err;
  } finally {
    sh.kill();
  }
}

const SCRIPT = (t: string) => `
  cat /dev/null && echo null-ok
  head -c3 /dev/zero | wc -c
  head -c1 ${t}/mem >/dev/null 2>${t}/mem.err; echo "mem=$?"; cat ${t}/mem.err
  mknod ${t}/c-made c 1 1 && echo mknod-c-ok
  mknod ${t}/b-made b 8 0 && echo mknod-b-ok`;

describe.skipIf(!usable)("BPF_CGROUP_DEVICE filter on the cgroup2 mount", () => {
  test("Docker's default rules: /dev/null and /dev/zero open, 1:1 is EPERM, mknod of any node works", async () => {
    // Outside the cgroup the node's open is not refused by a device cgroup (the driver may still say ENXIO).
    expect(await shellIn(undefined, `head -c1 ${tmp}/mem 2>&1 >/dev/null; true`)).not.toContain("Operation not permitted");

    const backend = new CgroupV2(mount as string, NAME);
    const { v2Dir } = backend.create();
    backend.apply({ devices: DEVICE_RULES }); // loads and attaches the eBPF program: the real bpf() path
    const out = await shellIn(v2Dir, SCRIPT(tmp));
    expect(out).toContain("null-ok");
    expect(out).toMatch(/^\s*3$/m);
    expect(out).toContain("mem=1");
    expect(out).toContain("Operation not permitted");
    expect(out).toContain("mknod-c-ok");
    expect(out).toContain("mknod-b-ok");
    removeDir(v2Dir as string);
  });

  test("a later partial deny (the verifier takes that path too): /dev/null still reads, its write is EPERM", async () => {
    const backend = new CgroupV2(mount as string, `${NAME}-ro`);
    const { v2Dir } = backend.create();
    try {
      backend.apply({ devices: [...DEVICE_RULES, { allow: false, type: "c", major: 1, minor: 3, access: "w" }] });
      const out = await shellIn(v2Dir, "cat /dev/null && echo read-ok; (echo x >/dev/null) 2>&1; echo write=$?");
      expect(out).toContain("read-ok");
      expect(out).toContain("Operation not permitted");
      expect(out).not.toContain("write=0"); // dash exits 2 on a failed redirection
    } finally {
      removeDir(v2Dir as string);
    }
  });

  test("--privileged's allow-all attaches nothing: the same node is not refused", async () => {
    const backend = new CgroupV2(mount as string, `${NAME}-priv`);
    const { v2Dir } = backend.create();
    try {
      backend.apply({ devices: [{ allow: true, access: "rwm" }] });
      expect(await shellIn(v2Dir, `head -c1 ${tmp}/mem 2>&1 >/dev/null; cat /dev/null && echo null-ok`)).not.toContain("Operation not permitted");
    } finally {
      removeDir(v2Dir as string);
    }
  });
});
