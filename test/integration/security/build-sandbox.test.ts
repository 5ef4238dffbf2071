// Issue 15, items 7 and 8b: a hostile Dockerfile or build context stays in the
// build's sandbox. A writable bind mount of the context is a throwaway copy
// (BuildKit's copy on write), RUN --network=host needs `--allow network.host`,
// and a Dockerfile that is a symlink to a host file reads nothing outside the
// context, so no parse error can print that file's first line.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUNKER, Bunker, expectOneLineError } from "../harness.ts";

let b: Bunker;
const dirs: string[] = [];
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  b.cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "bunker-sec-build-"));
  dirs.push(dir);
  return dir;
}

/** A context directory with these files. */
function context(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

test("RUN --mount=type=bind,rw writes to a throwaway copy: the step sees its writes, the host context and later steps do not", () => {
  const ctx = context({
    keep: "original\n",
    Dockerfile: [
      "FROM busybox",
      // The write works inside the step...
      "RUN --mount=type=bind,rw=true,target=/ctx sh -c 'echo pwned > /ctx/f && rm /ctx/keep && echo inside=$(cat /ctx/f) && test ! -e /ctx/keep'",
      // ...and is gone for the next step, whichever spelling of rw it uses.
      "RUN --mount=type=bind,readwrite=true,target=/ctx sh -c 'echo next=$(ls /ctx | tr \"\\n\" \" \")'",
      // A single file, bound writable: copied, not the host's.
      "RUN --mount=type=bind,rw,source=keep,target=/k sh -c 'echo changed > /k && echo file=$(cat /k)'",
      // The default stays read-only.
      "RUN --mount=type=bind,target=/ctx sh -c 'touch /ctx/g 2>/dev/null && echo ro=no || echo ro=yes'",
      "",
    ].join("\n"),
  });
  // With overlayfs the step's writes go to a scratch upper dir; with the vfs driver, to a copy.
  for (const driver of ["overlay", "vfs"]) {
    const r = b.run(["build", "--no-cache", "--progress", "plain", "-t", "rw-bind", ctx], { env: { BUNKER_STORAGE_DRIVER: driver } });
    expect(r.stderr).toContain("inside=pwned");
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain("next=Dockerfile keep\n");
    expect(r.stderr).toContain("file=changed");
    expect(r.stderr).toContain("ro=yes");
    // The host context is as it was.
    expect(readdirSync(ctx).sort()).toEqual(["Dockerfile", "keep"]);
    expect(readFileSync(join(ctx, "keep"), "utf8")).toBe("original\n");
  }
  // Nor did the writes land in the image.
  expect(b.run(["run", "--rm", "rw-bind", "sh", "-c", "ls /ctx /k"]).exitCode).not.toBe(0);
});

/** The host's default-route interface and its MAC: only a step on the host's network sees that address. */
function hostInterface(): { name: string; mac: string } {
  const name = readFileSync("/proc/net/route", "utf8").split("\n").slice(1).map((l) => l.split(/\s+/)).find((f) => f[1] === "00000000")![0];
  return { name, mac: readFileSync(`/sys/class/net/${name}/address`, "utf8").trim() };
}

test("RUN --network=host needs --allow network.host; build --network host stays as docker has it", () => {
  const host = hostInterface();
  const probe = `cat /sys/class/net/${host.name}/address 2>/dev/null | sed s/^/mac=/; true`;
  const ctx = context({ Dockerfile: `FROM busybox\nRUN --network=host sh -c '${probe}'\n` });
  expectOneLineError(b.run(["build", "--no-cache", ctx]), 1, /network\.host is not allowed.*--allow network\.host/);
  const allowed = b.run(["build", "--no-cache", "--allow", "network.host", ctx]);
  expect(allowed.exitCode).toBe(0);
  expect(allowed.stderr).toContain(`mac=${host.mac}`);

  // The build-wide network is the caller's choice, not the Dockerfile's: no entitlement needed (docker build --network host).
  writeFileSync(join(ctx, "Dockerfile"), `FROM busybox\nRUN sh -c '${probe}'\n`);
  const wide = b.run(["build", "--no-cache", "--network", "host", ctx]);
  expect(wide.exitCode).toBe(0);
  expect(wide.stderr).toContain(`mac=${host.mac}`);

  // compose: the project grants it with build.entitlements, as compose's spec has it.
  const project = tempDir();
  writeFileSync(join(project, "Dockerfile"), `FROM busybox\nRUN --network=host sh -c '${probe} # compose'\nCMD ["true"]\n`);
  const composeUp = (entitlements: string) => {
    writeFileSync(join(project, "compose.yaml"), `name: hostnet\nservices:\n  app:\n    build:\n      context: .\n${entitlements}    network_mode: none\n`);
    return Bun.spawnSync([BUNKER, "--root", b.root, "compose", "up", "--build"], { cwd: project, stdin: "ignore" });
  };
  const refused = composeUp("");
  expect(refused.exitCode).not.toBe(0);
  expect(refused.stderr.toString()).toContain("network.host is not allowed");
  const granted = composeUp("      entitlements: [network.host]\n");
  expect(granted.exitCode).toBe(0);
  expect(granted.stderr.toString()).toContain(`mac=${host.mac}`);
  expect(Bun.spawnSync([BUNKER, "--root", b.root, "compose", "down", "--rmi", "local"], { cwd: project, stdin: "ignore" }).exitCode).toBe(0);

  expectOneLineError(b.run(["build", "--allow", "security.insecure", ctx]), 125, /security\.insecure is not supported/);
  expectOneLineError(b.run(["build", "--allow", "network.everything", ctx]), 125, /invalid entitlement "network\.everything"/);
  writeFileSync(join(ctx, "Dockerfile"), "FROM busybox\nRUN --security=insecure true\n");
  expectOneLineError(b.run(["build", ctx]), 1, /RUN --security=insecure is not supported/);
});

test("a Dockerfile symlinked to a host file is resolved inside the context (directory or tar): the host file is never read", () => {
  const marker = `bunker-host-secret-${crypto.randomUUID()}`;
  const secret = join(tempDir(), "secret");
  writeFileSync(secret, `${marker} is the first line\n`);
  const leaks = (r: { stdout: string; stderr: string }) => `${r.stdout}${r.stderr}`.includes(marker);

  // Absolute and climbing links, as the default Dockerfile and through -f.
  const ctx = context({ "real/Dockerfile.real": "FROM busybox\nRUN echo via-link\n" });
  symlinkSync(secret, join(ctx, "Dockerfile"));
  symlinkSync(`../../../../../../../..${secret}`, join(ctx, "Dockerfile.up"));
  for (const args of [[ctx], ["-f", join(ctx, "Dockerfile.up"), ctx]]) {
    const r = b.run(["build", ...args]);
    expect(r.exitCode).toBe(1);
    expect(leaks(r)).toBe(false);
    expect(r.stderr).toMatch(/no such file or directory/);
  }

  // The same links in a tar context on stdin, and a -f that climbs out of it.
  const tar = Bun.spawnSync(["tar", "-C", ctx, "-cf", "-", "."]).stdout;
  for (const args of [[], ["-f", "Dockerfile.up"], ["-f", `../../../..${secret}`]]) {
    const r = b.run(["build", ...args, "-"], { stdin: tar });
    expect(r.exitCode).toBe(1);
    expect(leaks(r)).toBe(false);
  }

  // A link that stays inside the context is followed, as BuildKit does.
  rmSync(join(ctx, "Dockerfile"));
  symlinkSync("real/Dockerfile.real", join(ctx, "Dockerfile"));
  expect(b.run(["build", "--no-cache", ctx]).stderr).toContain("via-link");
  const inTar = Bun.spawnSync(["tar", "-C", ctx, "-cf", "-", "."]).stdout;
  expect(b.run(["build", "--no-cache", "-"], { stdin: inTar }).stderr).toContain("via-link");
});
