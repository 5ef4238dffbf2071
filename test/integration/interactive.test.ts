// -it under a real pty: util-linux `script` gives the CLI a terminal, as a user's shell would.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { Bunker, BUNKER } from "./harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
});
afterAll(() => b.cleanup());

function underPty(command: string, input: string): { output: string; exitCode: number } {
  // script -e passes on the child's exit code; -q keeps its banner out; input arrives as typed keys.
  const r = Bun.spawnSync(["script", "-qefc", command, "/dev/null"], { stdin: Buffer.from(input) });
  return { output: r.stdout.toString(), exitCode: r.exitCode ?? -1 };
}

test("-it gives the container a terminal: typed commands run and the exit code is passed on", () => {
  const r = underPty(`${BUNKER} --root ${b.root} run --rm -it busybox sh`, "echo hi; exit 3\n");
  expect(r.output).toContain("hi");
  expect(r.exitCode).toBe(3);
});

test("-t alone allocates a terminal whose size follows the caller's", () => {
  const r = underPty(`stty rows 33 cols 101; ${BUNKER} --root ${b.root} run --rm -t busybox sh -c 'tty >/dev/null && echo is-a-tty; stty size'`, "");
  expect(r.output).toContain("is-a-tty");
  expect(r.output).toContain("33 101");
  expect(r.exitCode).toBe(0);
});

test("-it without a terminal on stdin is refused", () => {
  const r = b.run(["run", "--rm", "-it", "busybox", "true"], { stdin: "" });
  expect(r.exitCode).toBe(125);
  expect(r.stderr).toBe("bunker: the input device is not a TTY\n");
});

test("run -it: the terminal's size follows the caller's when it changes", () => {
  const scratch = mkdtempSync("/var/tmp/bunker-tty-");
  try {
    // The container reports its first size, then waits until the caller's terminal is resized.
    const inner = 'stty size; touch /shared/sized; until [ "$(stty size)" = "40 120" ]; do :; done; echo resized $(stty size)';
    const outer = `stty rows 33 cols 101; ${BUNKER} --root ${b.root} run --rm -it -v ${scratch}:/shared busybox sh -c '${inner}' </dev/tty & until [ -e ${scratch}/sized ]; do :; done; stty rows 40 cols 120; wait $!`;
    const r = underPty(outer, "");
    expect(r.output).toContain("33 101");
    expect(r.output).toContain("resized 40 120");
    expect(r.exitCode).toBe(0);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test("ctrl-p ctrl-q (or --detach-keys) detaches from attach, leaving the container running", async () => {
  b.ok(["run", "-dit", "--name", "detachable", "busybox", "sh"]);
  const attached = await b.runAsync(["attach", "detachable"], { stdin: "echo typed\n\x10\x11" });
  expect(attached.exitCode).toBe(0);
  expect(b.ok(["inspect", "-f", "{{.State.Running}}", "detachable"]).trim()).toBe("true");
  const again = await b.runAsync(["attach", "--detach-keys", "ctrl-a,x", "detachable"], { stdin: "\x01x" });
  expect(again.exitCode).toBe(0);
  expect(b.ok(["inspect", "-f", "{{.State.Running}}", "detachable"]).trim()).toBe("true");
  b.ok(["rm", "-f", "detachable"]);
});
