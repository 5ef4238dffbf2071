import { expect, test } from "bun:test";
import { parsePs } from "../../../src/engine/container-top.ts";

const PS = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 05:00 ?        00:00:01 /sbin/init
root         420       1  0 05:01 ?        00:00:00 sleep 600
root         421     420  0 05:01 ?        00:00:00 sh -c echo  two  spaces
`;

test("parsePs keeps the header and the container's lines; the command keeps its words", () => {
  expect(parsePs(PS, new Set([420, 421]))).toEqual({
    titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
    processes: [
      ["root", "420", "1", "0", "05:01", "?", "00:00:00", "sleep 600"],
      ["root", "421", "420", "0", "05:01", "?", "00:00:00", "sh -c echo two spaces"],
    ],
  });
});

test("parsePs needs a PID column", () => {
  expect(() => parsePs("COMMAND\nsleep\n", new Set([1]))).toThrow("Couldn't find PID field in ps output");
});
