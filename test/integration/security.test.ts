// Docker's default security profile: capabilities, seccomp, masked paths,
// no_new_privs, rlimits, and the escapes runc's CVEs taught (working
// directory through a leaked fd, a /proc symlink, /proc/1/exe).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, Bunker, busyboxTar, expectOneLineError } from "./harness.ts";

let b: Bunker;
let scratch: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-security-");
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const DOCKER_CAPS = "00000000a80425fb";

/** The Cap* lines of /proc/self/status inside a container run with ARGS. */
function caps(...args: string[]): Record<string, string> {
  const out = b.ok(["run", "--rm", ...args, "busybox", "grep", "^Cap", "/proc/self/status"]);
  return Object.fromEntries(out.trim().split("\n").map((l) => l.split(/:\s+/) as [string, string]));
}

const hostStatus = (field: string) => readFileSync("/proc/self/status", "utf8").match(new RegExp(`^${field}:\\s*(\\S+)`, "m"))![1];
const sh = (script: string, ...args: string[]) => b.run(["run", "--rm", ...args, "busybox", "sh", "-c", script]);

describe("capabilities", () => {
  test("root gets Docker's 14 in bounding, permitted and effective; inheritable and ambient are empty", () => {
    expect(caps()).toEqual({ CapInh: "0000000000000000", CapPrm: DOCKER_CAPS, CapEff: DOCKER_CAPS, CapBnd: DOCKER_CAPS, CapAmb: "0000000000000000" });
  });

  test("--cap-drop ALL --cap-add NET_BIND_SERVICE leaves exactly that one", () => {
    const c = caps("--cap-drop", "ALL", "--cap-add", "NET_BIND_SERVICE");
    for (const set of ["CapPrm", "CapEff", "CapBnd"]) expect(c[set]).toBe("0000000000000400");
    expect(c.CapInh).toBe("0000000000000000");
  });

  test("--cap-add and --cap-drop take names with or without CAP_, in any case", () => {
    const c = caps("--cap-add", "cap_sys_admin", "--cap-drop", "MKNOD");
    expect(BigInt(`0x${c.CapEff}`)).toBe((0xa80425fbn | (1n << 21n)) & ~(1n << 27n));
  });

  test("--privileged gets every capability the host has", () => {
    const c = caps("--privileged");
    expect(c.CapBnd).toBe(hostStatus("CapBnd"));
    expect(c.CapEff).toBe(hostStatus("CapBnd"));
  });

  test("a non-root user keeps the bounding set only, as under Docker", () => {
    expect(caps("-u", "1000")).toEqual({ CapInh: "0000000000000000", CapPrm: "0000000000000000", CapEff: "0000000000000000", CapBnd: DOCKER_CAPS, CapAmb: "0000000000000000" });
  });

  test("unknown capability names are refused before anything runs", () => {
    expectOneLineError(b.run(["run", "--rm", "--cap-add", "BOGUS", "busybox", "true"]), 125, /unknown capability: "CAP_BOGUS"/);
  });
});

describe("seccomp", () => {
  const status = (...args: string[]) => sh("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -s '\\t' ' '", ...args).stdout.trim();

  test("the default profile is on, for root and for other users", () => {
    expect(status()).toBe("NoNewPrivs: 0\nSeccomp: 2");
    expect(status("-u", "1000")).toBe("NoNewPrivs: 0\nSeccomp: 2");
  });

  test("it blocks user namespaces and mounts; with --privileged a mount works", () => {
    const r = sh("unshare -r true; echo unshare=$?; mkdir -p /mnt; mount -t tmpfs x /mnt; echo mount=$?");
    expect(r.stdout).toMatch(/unshare=[1-9]/);
    expect(r.stdout).toMatch(/mount=[1-9]/);
    const p = sh("mkdir -p /mnt && mount -t tmpfs x /mnt && grep -c ' /mnt tmpfs' /proc/mounts", "--privileged");
    expect(p.exitCode).toBe(0);
    expect(p.stdout.trim()).toBe("1");
    expect(status("--privileged")).toBe("NoNewPrivs: 0\nSeccomp: 0");
  });

  test("seccomp=unconfined lifts only what seccomp blocked: a user namespace works, a mount still needs CAP_SYS_ADMIN", () => {
    expect(status("--security-opt", "seccomp=unconfined")).toBe("NoNewPrivs: 0\nSeccomp: 0");
    const r = sh("unshare -r true; echo unshare=$?; mkdir -p /mnt; mount -t tmpfs x /mnt; echo mount=$?", "--security-opt", "seccomp=unconfined");
    expect(r.stdout).toContain("unshare=0");
    expect(r.stdout).toMatch(/mount=[1-9]/);
  });

  test("a profile file applies, read at create time", () => {
    const profile = join(scratch, "no-mkdir.json");
    writeFileSync(profile, JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }] }));
    const r = sh("mkdir /made 2>&1; echo rc=$?; unshare -r true && echo userns", "--security-opt", `seccomp=${profile}`);
    expect(r.stdout).toContain("Permission denied");
    expect(r.stdout).toContain("rc=1");
    expect(r.stdout).toContain("userns"); // allowed by this profile
    // The profile is stored in the container (as Docker does), so the file may go.
    const id = b.ok(["create", "--security-opt", `seccomp=${profile}`, "busybox", "sh", "-c", "mkdir /x"]).trim();
    rmSync(profile);
    expect(b.run(["start", "-a", id]).exitCode).toBe(1);
    b.ok(["rm", id]);
  });

  test("bad profiles and options are one-line errors", () => {
    const bad = join(scratch, "bad.json");
    writeFileSync(bad, "{ not json");
    expectOneLineError(b.run(["run", "--rm", "--security-opt", `seccomp=${bad}`, "busybox", "true"]), 125, /seccomp profile .* is not valid JSON/);
    expectOneLineError(b.run(["run", "--rm", "--security-opt", "seccomp=/nonexistent.json", "busybox", "true"]), 125, /opening seccomp profile/);
    expectOneLineError(b.run(["run", "--rm", "--security-opt", "bogus=1", "busybox", "true"]), 125, /invalid --security-opt: "bogus=1"/);
  });

  test("no-new-privileges sets no_new_privs, with the filter on, for root and others", () => {
    expect(status("--security-opt", "no-new-privileges")).toBe("NoNewPrivs: 1\nSeccomp: 2");
    expect(status("--security-opt", "no-new-privileges=true", "-u", "1000")).toBe("NoNewPrivs: 1\nSeccomp: 2");
    expect(status("--security-opt", "no-new-privileges=false")).toBe("NoNewPrivs: 0\nSeccomp: 2");
  });
});

describe("masked and read-only paths", () => {
  // Which masked files exist depends on the kernel's config (this one has no /proc/kcore).
  const masked = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/interrupts"].filter((p) => existsSync(p));

  test("masked paths read empty and cannot be unmounted; read-only ones cannot be written", () => {
    expect(masked.length).toBeGreaterThan(0);
    const r = sh(`for p in ${masked.join(" ")}; do wc -c < $p; done; umount ${masked[0]}; echo umount=$?; echo 1 > /proc/sys/kernel/domainname; echo write=$?`);
    expect(r.stdout).toStartWith(`${masked.map(() => "0\n").join("")}umount=1\nwrite=1`);
  });

  test("--privileged and systempaths=unconfined mask nothing", () => {
    const count = (...args: string[]) => sh(`grep -c ' ${masked[0]} ' /proc/mounts`, ...args).stdout.trim();
    expect(count()).toBe("1");
    expect(count("--privileged")).toBe("0");
    expect(count("--security-opt", "systempaths=unconfined")).toBe("0");
  });
});

describe("escapes", () => {
  test("-w /proc/self/fd/N never lands in a host directory (CVE-2024-21626)", () => {
    // bunker gets fds 3..9 open on a host directory holding a marker; none may become the container's cwd.
    const hostDir = mkdtempSync(join(scratch, "host-"));
    writeFileSync(join(hostDir, "HOST-MARKER"), "");
    const dirFd = openSync(hostDir, "r");
    try {
      for (let n = 3; n <= 20; n++) {
        const r = Bun.spawnSync([BUNKER, "--root", b.root, "run", "--rm", "-w", `/proc/self/fd/${n}`, "busybox", "sh", "-c", "pwd; ls"], {
          stdio: ["ignore", "pipe", "pipe", dirFd, dirFd, dirFd, dirFd, dirFd, dirFd, dirFd],
        });
        const out = r.stdout.toString();
        expect(out).not.toContain("HOST-MARKER");
        if (r.exitCode === 0) expect(out.startsWith("/")).toBe(true);
        else expect(r.stderr.toString().trim().split("\n").length).toBe(1);
      }
    } finally {
      closeSync(dirFd);
    }
  });

  // The runc 2025 CVEs: mount targets that are symlinks out of the rootfs.
  for (const path of ["proc", "dev", "dev/null", "dev/pts"]) {
    test(`an image whose /${path} is a symlink out of the rootfs runs or fails cleanly, and nothing appears on the host`, () => {
      const target = `/host-target-${path.replace("/", "-")}`;
      expect(existsSync(target)).toBe(false);
      const dir = mkdtempSync(join(scratch, "evil-"));
      const rootfs = join(dir, "rootfs");
      expect(Bun.spawnSync(["mkdir", "-p", rootfs]).exitCode).toBe(0);
      expect(Bun.spawnSync(["tar", "-xf", busyboxTar(), "-C", rootfs]).exitCode).toBe(0);
      rmSync(join(rootfs, path), { recursive: true, force: true });
      Bun.spawnSync(["mkdir", "-p", join(rootfs, path, "..")]);
      symlinkSync(target, join(rootfs, path));
      expect(Bun.spawnSync(["tar", "-C", rootfs, "-cf", join(dir, "evil.tar"), "."]).exitCode).toBe(0);
      const image = `evil-${path.replace("/", "-")}`;
      b.ok(["import", join(dir, "evil.tar"), image]);
      const r = b.run(["run", "--rm", image, "sh", "-c", "ls /proc/self/fd >/dev/null; echo ran"]);
      if (r.exitCode !== 0) expectOneLineError(r, 125, /container init failed/);
      expect(existsSync(target)).toBe(false);
      b.ok(["rmi", image]);
    });
  }

  test("the container cannot write bunker's executable through /proc/1/exe (CVE-2019-5736)", () => {
    const hash = () => new Bun.CryptoHasher("sha256").update(readFileSync(BUNKER)).digest("hex");
    const before = hash();
    const r = sh("readlink /proc/1/exe; echo x > /proc/1/exe; exec 3>/proc/1/exe; echo still-here");
    expect(r.stdout.split("\n")[0]).toBe("/bin/busybox"); // its own binary, not bunker's
    expect(hash()).toBe(before);
  });

  test("USER ids of 2^31 and above are refused", () => {
    expectOneLineError(b.run(["run", "--rm", "-u", "2147483648", "busybox", "true"]), 125, /uids and gids must be in range 0-2147483647/);
    expectOneLineError(b.run(["run", "--rm", "-u", "0:4294967295", "busybox", "true"]), 125, /uids and gids must be in range/);
  });
});

describe("resource limits", () => {
  test("--ulimit sets the soft and hard limits", () => {
    expect(sh("ulimit -n; ulimit -Hn", "--ulimit", "nofile=100:200").stdout).toBe("100\n200\n");
    expect(sh("ulimit -c", "--ulimit", "core=-1").stdout.trim()).toBe("unlimited");
  });

  test("a hard limit above the host's, without CAP_SYS_RESOURCE, is a clear error", () => {
    const hard = Number(readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+\S+\s+(\S+)/m)![1]);
    const canRaise = (BigInt(`0x${hostStatus("CapEff")}`) >> 24n) & 1n;
    if (canRaise || !(hard < 30000)) return; // this host would allow it
    const r = b.run(["run", "--rm", "--ulimit", "nofile=30000:30000", "busybox", "true"]);
    expectOneLineError(r, 125, new RegExp(`ulimit nofile to 30000: the hard limit here is ${hard} and bunker lacks CAP_SYS_RESOURCE`));
  });

  test("--ulimit values are checked like Docker's", () => {
    expectOneLineError(b.run(["run", "--rm", "--ulimit", "bogus=1", "busybox", "true"]), 125, /invalid ulimit type: bogus/);
    expectOneLineError(b.run(["run", "--rm", "--ulimit", "nofile=10:5", "busybox", "true"]), 125, /soft limit must be less than or equal to hard limit/);
  });

  test("--oom-score-adj", () => {
    expect(sh("cat /proc/self/oom_score_adj", "--oom-score-adj", "500").stdout.trim()).toBe("500");
    expectOneLineError(b.run(["run", "--rm", "--oom-score-adj", "1001", "busybox", "true"]), 125, /range for oom score adj is \[-1000, 1000\]/);
  });
});

describe("the runtime spec", () => {
  test("config.json carries Docker's fields", () => {
    const id = b.ok(["create", "--ulimit", "nofile=100:100", "--oom-score-adj", "200", "--security-opt", "no-new-privileges", "busybox", "true"]).trim();
    b.ok(["start", "-a", id]);
    const spec = JSON.parse(readFileSync(join(b.root, "containers", id, "config.json"), "utf8"));
    expect(spec.process.capabilities.bounding).toHaveLength(14);
    expect(spec.process.capabilities.inheritable).toBeUndefined();
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.rlimits).toEqual([{ type: "RLIMIT_NOFILE", hard: 100, soft: 100 }]);
    expect(spec.process.oomScoreAdj).toBe(200);
    expect(spec.linux.seccomp.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(spec.linux.seccomp.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    const inspect = JSON.parse(b.ok(["inspect", id]))[0];
    expect(inspect.HostConfig.Ulimits).toEqual([{ Name: "nofile", Soft: 100, Hard: 100 }]);
    expect(inspect.HostConfig.SecurityOpt).toEqual(["no-new-privileges"]);
    b.ok(["rm", id]);
  });
});
