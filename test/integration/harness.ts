// Drives the compiled binary the way a user would, each test file in its own
// --root, and checks that nothing leaks onto the host afterwards.
import { expect } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export const REPO = join(import.meta.dir, "..", "..");
export const BUNKER = process.env.BUNKER_BIN ?? join(REPO, "dist", "bunker");

export interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** The busybox rootfs tarball, built from Debian's busybox-static (no registry needed). */
export function busyboxTar(): string {
  const r = Bun.spawnSync(["bash", "-c", `source ${REPO}/scripts/lib.sh && busybox_tar`]);
  if (r.exitCode !== 0) throw new Error(`busybox_tar failed: ${r.stderr}`);
  return r.stdout.toString().trim();
}

const CGROUP_V1_ROOT = "/sys/fs/cgroup";

/** Every cgroup directory bunker made for one of these container ids, on v1 or v2. */
export function cgroupDirsFor(ids: string[]): string[] {
  const found: string[] = [];
  const bases = existsSync(join(CGROUP_V1_ROOT, "cgroup.controllers"))
    ? [join(CGROUP_V1_ROOT, "bunker")]
    : readdirSync(CGROUP_V1_ROOT).map((h) => join(CGROUP_V1_ROOT, h, "bunker"));
  for (const base of bases) for (const id of ids) if (existsSync(join(base, id))) found.push(join(base, id));
  return found;
}

/** A file of a running container's cgroup, read from the host: `controller` names its v1 hierarchy. */
export function cgroupFile(id: string, controller: string, file: string): string {
  const v2 = existsSync(join(CGROUP_V1_ROOT, "cgroup.controllers"));
  const dir = v2 ? join(CGROUP_V1_ROOT, "bunker", id) : join(CGROUP_V1_ROOT, controller, "bunker", id);
  return readFileSync(join(dir, file), "utf8").trim();
}

/** Processes whose command line names `path` (a root's monitors carry it in theirs). */
export function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(path) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline.replaceAll("\0", " ").slice(0, 200)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** Host-side veths of these containers still present. */
export function vethsOf(ids: string[]): string[] {
  return readdirSync("/sys/class/net").filter((n) => ids.some((id) => n.startsWith(`vb${id.slice(0, 10)}`)));
}

export function mountsUnder(path: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes(path));
}

export interface RunOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  argv0?: string;
}

export class Bunker {
  readonly root: string;
  private readonly seenIds = new Set<string>();

  /** ROOT, when given, need not exist yet: bunker makes it, as it makes /var/lib/bunker. */
  constructor(root?: string) {
    this.root = root ?? mkdtempSync("/var/tmp/bunker-test-");
  }

  /** A root with the busybox image imported as `busybox`. */
  static withBusybox(): Bunker {
    const b = new Bunker();
    b.ok(["import", busyboxTar(), "busybox"]);
    return b;
  }

  run(args: string[], opts: RunOptions = {}): Result {
    const r = Bun.spawnSync([opts.argv0 ?? BUNKER, "--root", this.root, ...args], {
      stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
      env: { ...process.env, ...opts.env },
    });
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exitCode: r.exitCode ?? -1 };
  }

  /** Like run, without blocking this process (which may be serving a fixture the command talks to). */
  async runAsync(args: string[], opts: RunOptions = {}): Promise<Result> {
    const p = Bun.spawn([opts.argv0 ?? BUNKER, "--root", this.root, ...args], {
      stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...opts.env },
    });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, exitCode };
  }

  /** Runs and expects success; returns stdout. */
  ok(args: string[], opts?: Parameters<Bunker["run"]>[1]): string {
    const r = this.run(args, opts);
    if (r.exitCode !== 0) throw new Error(`bunker ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  }

  async okAsync(args: string[], opts?: RunOptions): Promise<string> {
    const r = await this.runAsync(args, opts);
    if (r.exitCode !== 0) throw new Error(`bunker ${args.join(" ")} exited ${r.exitCode}: ${r.stderr}`);
    return r.stdout;
  }

  /** Follows the log of container REF until its stdout holds TEXT (the container has written it), then stops following. */
  async logsUntil(ref: string, text: string): Promise<void> {
    const follower = Bun.spawn([BUNKER, "--root", this.root, "logs", "-f", ref], { stdout: "pipe", stderr: "ignore" });
    let seen = "";
    for await (const chunk of follower.stdout) {
      seen += new TextDecoder().decode(chunk);
      if (seen.includes(text)) break;
    }
    follower.kill();
    await follower.exited;
  }

  containerIds(): string[] {
    const ids = this.ok(["ps", "-a", "-q", "--no-trunc"]).split("\n").filter(Boolean);
    for (const id of ids) this.seenIds.add(id);
    return ids;
  }

  /** Removes every container and the root, then asserts no mount or cgroup was left behind. */
  cleanup(): void {
    const ids = this.containerIds();
    if (ids.length > 0) this.ok(["rm", "-f", ...ids]);
    // User networks are host bridges: a test that failed half-way must not leave them.
    this.ok(["network", "prune", "-f"]); // the root's networks, and the default bridge once idle
    const dirsInRoot = existsSync(join(this.root, "containers")) ? readdirSync(join(this.root, "containers")) : [];
    for (const id of dirsInRoot) this.seenIds.add(id);
    expect(mountsUnder(this.root)).toEqual([]);
    expect(cgroupDirsFor([...this.seenIds])).toEqual([]);
    expect(processesUsing(this.root)).toEqual([]); // monitors, containers, cleanups
    expect(vethsOf([...this.seenIds])).toEqual([]); // bridge endpoints (network/attach.ts names them by container id)

    rmSync(this.root, { recursive: true, force: true });
  }
}

/** An exit code and one-line error, the shape every failure must have. */
export function expectOneLineError(r: Result, code: number, pattern: RegExp): void {
  expect(r.exitCode).toBe(code);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
}
