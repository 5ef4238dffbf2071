// Issue 15 item 8a and CVE-2019-5736's shape: a script whose interpreter is
// "#!/proc/self/exe" names whatever binary its process is running at the
// execve. For a container's command that is the monitor executable (the
// container is cloned from it); for an exec it would be bunker's own, so an
// exec goes through the monitor executable too. Either way the binary runs
// nothing, and it cannot be rewritten from inside while the container lives.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNKER, Bunker } from "../harness.ts";

let b: Bunker;
beforeAll(() => {
  b = Bunker.withBusybox();
  b.ok(["run", "--rm", "-v", "selfexe:/v", "busybox", "sh", "-c", "printf '#!/proc/self/exe --version\\n' > /v/s; chmod +x /v/s"]);
});
afterAll(() => {
  b.cleanup();
  b.run(["volume", "rm", "selfexe"]);
});

const sha = (file: string) => new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex");
const monitorFile = () => join(b.root, "cache", readdirSync(join(b.root, "cache")).find((n) => n.startsWith("monitor-"))!);

describe('a "#!/proc/self/exe" script', () => {
  test("as the container's command, the monitor executable it names refuses to run (126)", () => {
    const r = b.run(["run", "--rm", "-v", "selfexe:/v", "busybox", "/v/s"]);
    expect(r.exitCode).toBe(126);
    expect(r.stdout).toBe("");
  });

  test("through exec (CVE-2019-5736's path), bunker's own executable is never what it names", () => {
    const before = sha(BUNKER);
    b.ok(["run", "-d", "--name", "selfexe-c", "-v", "selfexe:/v", "busybox", "sleep", "600"]);
    try {
      const r = b.run(["exec", "selfexe-c", "/v/s"]);
      expect(r.exitCode).toBe(126);
      expect(r.stdout).not.toMatch(/version/i);
      // The classic attack: the container's /bin/sh replaced, then someone execs a shell in it.
      b.ok(["exec", "selfexe-c", "/bin/busybox", "sh", "-c", "rm /bin/sh && cp /v/s /bin/sh"]);
      expect(b.run(["exec", "selfexe-c", "sh", "-c", "true"]).exitCode).toBe(126);
      expect(b.run(["exec", "selfexe-c", "/bin/busybox", "true"]).exitCode).toBe(0);
    } finally {
      b.ok(["rm", "-f", "selfexe-c"]);
    }
    expect(sha(BUNKER)).toBe(before);
  });

  test("the monitor executable cannot be opened for writing from inside a container (--init runs it as PID 1)", () => {
    const before = sha(monitorFile());
    const r = b.run(["run", "--rm", "--init", "busybox", "sh", "-c", "echo pwned >> /proc/1/exe && echo WROTE"]);
    expect(r.stdout).not.toContain("WROTE");
    expect(r.stderr).toMatch(/Text file busy|Permission denied|Read-only/);
    expect(sha(monitorFile())).toBe(before);
  });
});
