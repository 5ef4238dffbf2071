// Shell completion through the compiled binary: `bunker completion SHELL` loaded
// into a real interactive shell on a pty (util-linux `script`), then TAB pressed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { Bunker, BUNKER } from "./harness.ts";

let b: Bunker;
let bin: string; // holds `bunker`, first on the shell's PATH
beforeAll(() => {
  b = Bunker.withBusybox();
  bin = mkdtempSync("/var/tmp/bunker-completion-");
  symlinkSync(BUNKER, join(bin, "bunker"));
  b.ok(["create", "--name", "tab-first", "busybox", "true"]);
  b.ok(["create", "--name", "tab-second", "busybox", "true"]);
  b.ok(["create", "--name", "lonely-one", "busybox", "true"]);
});
afterAll(() => {
  rmSync(bin, { recursive: true, force: true });
  b.cleanup();
});

/** Types `keys` into an interactive shell on a pty; returns all it printed. */
function typeInto(shell: string[], keys: string): string {
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, BUNKER_ROOT: b.root, TERM: "dumb" };
  const r = Bun.spawnSync(["script", "-qec", shell.join(" "), "/dev/null"], { stdin: Buffer.from(keys), env, timeout: 30_000 });
  return r.stdout.toString().replaceAll("\r", "");
}

const complete = (...words: string[]) => b.ok(["__complete", ...words]).split("\n").filter(Boolean);

describe("__complete, what the scripts ask", () => {
  test("commands, a group's subcommands, flags", () => {
    expect(complete("ver")).toEqual(["version"]);
    expect(complete("volume", "i")).toEqual(["inspect"]);
    expect(complete("ps", "--f")).toEqual(["--filter", "--format"]);
    expect(complete("--ro")).toEqual(["--root"]);
  });

  test("container and image names where a command takes them; files where it takes paths", () => {
    expect(complete("rm", "tab")).toEqual(["tab-second", "tab-first"]);
    expect(complete("container", "rm", "-f", "lon")).toEqual(["lonely-one"]);
    expect(complete("stop", "")).toEqual([]); // none running
    expect(complete("run", "-e", "A=1", "busy")).toEqual(["busybox:latest"]);
    expect(complete("run", "busybox", "")).toEqual([":files"]); // the container's command
    expect(complete("cp", "")).toEqual([":files"]);
  });
});

// Each shell removes its own container by typing a prefix only it has, then TAB and Enter.
test("bash: `bunker rm <TAB>` completes a container name", () => {
  const out = typeInto(
    ["bash", "--norc", "--noprofile", "-i"],
    [
      "PS1='$ '; source <(bunker completion bash)\n",
      "bunker rm lon\t\n",
      "bunker history -q busybox:l\t\n", // bash splits words at ':', the script does not
      "exit\n",
    ].join(""),
  );
  expect(out).toContain("$ bunker rm lonely-one \nlonely-one\n");
  expect(out).toContain("$ bunker history -q busybox:latest \n");
  expect(b.run(["inspect", "lonely-one"]).exitCode).toBe(1); // it was removed
});

test.skipIf(!Bun.which("zsh"))("zsh: `bunker rm <TAB>` completes a container name", () => {
  const out = typeInto(["zsh", "-f", "-i"], ["PS1='$ '; source <(bunker completion zsh)\n", "bunker rm tab-f\t\n", "exit\n"].join(""));
  expect(out).toContain("\ntab-first\n");
  expect(b.run(["inspect", "tab-first"]).exitCode).toBe(1);
});

test.skipIf(!Bun.which("fish"))("fish: `bunker rm <TAB>` completes a container name", () => {
  const out = typeInto(["fish", "--no-config", "-i"], ["bunker completion fish | source\n", "bunker rm tab-s\t\n", "exit\n"].join(""));
  expect(out).toContain("\ntab-second\n");
  expect(b.run(["inspect", "tab-second"]).exitCode).toBe(1);
});
