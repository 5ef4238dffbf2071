import { expect, test } from "bun:test";
import { expandText, expandWord } from "../../../src/build/parser/expand.ts";
import { parseDockerfile } from "../../../src/build/parser/parse.ts";
import { planStages, targetStage } from "../../../src/build/parser/stages.ts";

const vars = new Map([
  ["A", "alpha"],
  ["EMPTY", ""],
]);

test.each([
  ["$A", "alpha"],
  ["${A}-x", "alpha-x"],
  ["${MISSING:-def}", "def"],
  ["${EMPTY:-def}", "def"],
  ["${EMPTY-def}", ""],
  ["${A:+set}", "set"],
  ["${MISSING:+set}", ""],
  ["${EMPTY+set}", "set"],
  ["${MISSING:-${A}}", "alpha"],
  ["'$A'", "$A"],
  ['"$A b"', "alpha b"],
  ['"\\$A"', "$A"],
  ["\\$A", "$A"],
  ["a\\ b", "a b"],
  ["$", "$"],
  ["cost$5", "cost$5"],
  ['"say \\"hi\\""', 'say "hi"'],
])("%s -> %s", (word, expected) => {
  expect(expandWord(word, vars)).toBe(expected);
});

test("a heredoc body keeps its quotes and escapes; only variables are substituted", () => {
  expect(expandText(`echo "$A" '$A' \\n \\$A\n`, vars)).toBe(`echo "alpha" 'alpha' \\n $A\n`);
});

test("the escape directive's backtick escapes", () => {
  expect(expandWord("`$A", vars, "`")).toBe("$A");
});

test("${VAR:?msg} fails when unset", () => {
  expect(() => expandWord("${MISSING:?needs a value}", vars)).toThrow("MISSING: needs a value");
});

test("ARGs before FROM reach FROM lines only; --build-arg overrides their default", () => {
  const df = parseDockerfile("ARG BASE=busybox\nARG V\nFROM ${BASE}:${V:-1} AS one\nRUN true\nFROM one\n");
  const plan = planStages(df, new Map([["V", "2"]]));
  expect(plan.stages.map((s) => s.base)).toEqual(["busybox:2", "one"]);
  expect(plan.stages[0].instructions.map((i) => i.kind)).toEqual(["RUN"]);
  expect(targetStage(plan, "one").index).toBe(0);
  expect(() => targetStage(plan, "nope")).toThrow('target stage "nope" could not be found');
});
