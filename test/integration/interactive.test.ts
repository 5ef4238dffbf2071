// -it under a real pty: util-linux `script` gives the CLI a terminal, as a user's shell would.
import { afterAll, beforeAll, expect, test } from "bun:test";
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
