// The vfs driver's root and bind propagation in the operation list (the rest of the program is in program.test.ts).
import { expect, test } from "bun:test";
import { buildProgram, MS, ROOT_COPY_ANNOTATION } from "../../../src/runtime/program.ts";
import type { RuntimeSpec } from "../../../src/runtime/spec.ts";

const spec: RuntimeSpec = {
  ociVersion: "1.0.2",
  process: { user: { uid: 0, gid: 0 }, args: ["sh"], env: ["PATH=/bin"], cwd: "/" },
  root: { path: "/c/merged", readonly: false },
  annotations: { [ROOT_COPY_ANNOTATION]: "/c/upper" },
  mounts: [
    { destination: "/shared", type: "bind", source: "/h", options: ["rbind", "rw", "rshared"] },
    { destination: "/plain", type: "bind", source: "/p", options: ["rbind", "ro", "rprivate"] },
  ],
  linux: { namespaces: [{ type: "mount" }] },
};
const words = buildProgram(spec, [], { stdin: 0, stdout: 1, stderr: 2 }, () => false);
const indexOfSeq = (seq: string[]) => words.findIndex((_, i) => seq.every((w, j) => words[i + j] === w));

test("a vfs copy is bound onto the root path (pivot_root needs a mount point) instead of an overlay", () => {
  const at = indexOfSeq(["mount", "/c/upper", "/c/merged", "", String(MS.BIND | MS.REC), ""]);
  expect(at).toBeGreaterThan(words.indexOf("private"));
  expect(at).toBeLessThan(words.indexOf("root"));
  expect(words).not.toContain("overlay");
});

test("propagation is set after pivot_root, where a path cannot leave the container's root; private needs nothing", () => {
  expect(indexOfSeq(["rmount", "/h", "/shared", "", String(MS.BIND | MS.REC), "d", ""])).toBeGreaterThan(0); // not in the mount data
  const at = indexOfSeq(["mount", "", "/shared", "", String((1 << 20) | MS.REC), ""]);
  expect(at).toBeGreaterThan(words.indexOf("pivot"));
  expect(words.filter((w) => w === "/plain").length).toBe(1);
});
