import { describe, expect, test } from "bun:test";
import { COMMANDS, DESCRIPTIONS, GROUPS } from "../../../src/cli/commands/index.ts";
import { GLOBAL_FLAGS } from "../../../src/cli/globals.ts";
import { commandHelp, commandLines, flagLines } from "../../../src/cli/help.ts";

describe("docker's help layout", () => {
  test("flags: short or six spaces, the value's type, descriptions 3 spaces past the longest", () => {
    const text = flagLines([
      { name: "all", short: "a", type: "bool", description: "Show all" },
      { name: "filter", short: "f", type: "list", description: "Filter", valueHint: "filter" },
      { name: "format", type: "string", description: "Format" },
    ]);
    expect(text).toBe("  -a, --all             Show all\n  -f, --filter filter   Filter\n      --format string   Format\n");
  });

  test("commands: names padded to at least 12", () => {
    expect(commandLines([["ps", "List containers"]])).toBe("  ps          List containers\n");
  });

  test("a command: usage line, description, options sorted by name", () => {
    const help = commandHelp(
      { name: "volume ls", description: "List volumes", usage: "[OPTIONS]", flags: [{ name: "quiet", short: "q", type: "bool", description: "Only names" }, { name: "filter", short: "f", type: "list", description: "Filter", valueHint: "filter" }], run() {} },
      "docker",
    );
    expect(help).toBe("\nUsage:  docker volume ls [OPTIONS]\n\nList volumes\n\nOptions:\n  -f, --filter filter   Filter\n  -q, --quiet           Only names\n");
  });
});

describe("every command is described", () => {
  test("bunker --help lists every command and group", () => {
    const described = new Set(DESCRIPTIONS.map(([name]) => name));
    for (const name of [...Object.keys(COMMANDS), ...Object.keys(GROUPS)]) expect({ name, described: described.has(name) }).toEqual({ name, described: true });
  });

  test("every flag of every command, and every global option, has a one-line description", async () => {
    const loaders = [...Object.values(COMMANDS), ...Object.values(GROUPS).flatMap((g) => Object.values(g))];
    const flags = [...GLOBAL_FLAGS];
    for (const load of loaders) {
      const cmd = (await load()).default;
      expect(cmd.description).toMatch(/^[^\n]+$/);
      flags.push(...cmd.flags);
    }
    for (const f of flags) expect({ flag: f.name, description: f.description }).toEqual({ flag: f.name, description: expect.stringMatching(/^[^\n]+$/) });
  });
});
