// Issue 15, item 5: `exec` must not hand the caller's own stdin, stdout or
// stderr to the container. A process holding a host fd can reopen the file or
// terminal behind it through /proc/self/fd/N (a magic link that crosses the
// mount namespace) and read or rewrite it. Bunker gives it pipes, or with -t a
// pty of the container's own devpts, and relays.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Bunker, BUNKER } from "../harness.ts";

let b: Bunker;
let scratch: string;
beforeAll(() => {
  b = Bunker.withBusybox();
  scratch = mkdtempSync("/var/tmp/bunker-exec-stdio-");
  b.ok(["run", "-d", "--name", "box", "busybox", "sleep", "600"]);
});
afterAll(() => {
  b.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const result = (r: Bun.SyncSubprocess) => ({ stdout: r.stdout?.toString() ?? "", stderr: r.stderr?.toString() ?? "", exitCode: r.exitCode });

describe("exec's stdio leads back to bunker only", () => {
  test("stdin from a host file opened read-write: the process cannot rewrite the file through /proc/self/fd/0", () => {
    const file = join(scratch, "stdin-file");
    writeFileSync(file, "original\n");
    const fd = openSync(file, "r+");
    let r: ReturnType<typeof result>;
    try {
      r = result(Bun.spawnSync([BUNKER, "--root", b.root, "exec", "-i", "box", "sh", "-c", "echo pwned >/proc/self/fd/0; readlink /proc/self/fd/0"], { stdin: fd }));
    } finally {
      closeSync(fd);
    }
    expect([readFileSync(file, "utf8"), r.stdout, r.stderr, r.exitCode]).toEqual(["original\n", expect.stringMatching(/^pipe:\[\d+\]\n$/), "", 0]);
  });

  test("stdout to a host file holding a secret: the process cannot reopen it to read it, and its output still lands there", () => {
    const file = join(scratch, "stdout-file");
    writeFileSync(file, "secret-marker\n");
    // What is behind fd 1 goes to fd 1 itself; a regular file is read back to stderr. (`<` comes first, so
    // /proc/self is the shell while its fd 1 is still the original: busybox sh applies redirections in the parent.)
    const attack = "readlink /proc/self/fd/1; if [ -f /proc/self/fd/1 ]; then cat </proc/self/fd/1 >&2; fi; echo relayed";
    const fd = openSync(file, "a"); // as `>> file` would
    try {
      const r = result(Bun.spawnSync([BUNKER, "--root", b.root, "exec", "box", "sh", "-c", attack], { stdin: "ignore", stdout: fd }));
      expect([r.stderr, r.exitCode]).toEqual(["", 0]);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, "utf8")).toMatch(/^secret-marker\npipe:\[\d+\]\nrelayed\n$/);
  });

  test("with -t, fds 0-2 are a pty of the container's own devpts, not the caller's terminal", () => {
    // script(1) gives bunker a host terminal, as a user's shell would; each fd's device must be the container's devpts.
    const inner = 'for n in 0 1 2; do [ "$(stat -L -c %d /proc/$$/fd/$n)" = "$(stat -c %d /dev/pts/ptmx)" ] && echo own-$n; done';
    const r = Bun.spawnSync(["script", "-qefc", `${BUNKER} --root ${b.root} exec -t box sh -c '${inner}'`, "/dev/null"], { stdin: "ignore" });
    expect(r.stdout.toString().replace(/\r/g, "")).toBe("own-0\nown-1\nown-2\n");
    expect(r.exitCode).toBe(0);
  });
});
